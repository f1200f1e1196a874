package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.daemon.time.Sleeper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * GETs {@code source.url} (https only unless {@code insecure: true}; the sha256 protects the
 * content either way). {@code timeout} bounds the connect and each attempt whole, headers and body:
 * a server that sends its headers and then stalls fails the attempt. Transport errors, timeouts,
 * 408, 429 and 5xx are retried {@code attempts} times in all with exponential backoff; other
 * statuses fail at once. Every failure but a refused scheme and a too-large body is
 * {@link FetchException#retryable()}: publishing the file at the url (a 404) needs no new spec.
 */
public final class UrlFetcher implements ModuleFetcher {
    private HttpClient http;
    private final Duration timeout;
    private final int attempts;
    private final Duration backoff;
    private final Sleeper sleeper;
    private final long maxBytes;

    public UrlFetcher(Duration timeout, int attempts, Duration backoff, Sleeper sleeper, long maxBytes) {
        this.timeout = timeout;
        this.attempts = Math.max(1, attempts);
        this.backoff = backoff;
        this.sleeper = sleeper;
        this.maxBytes = maxBytes;
    }

    @Override
    public boolean handles(ModuleSource source) { return source.getUrl() != null; }

    @Override
    public byte[] fetch(ModuleSource source) throws IOException, InterruptedException {
        URI uri = URI.create(source.getUrl());
        boolean insecure = Boolean.TRUE.equals(source.getInsecure());
        if (!"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && insecure)) {
            throw FetchException.permanent("url scheme must be https (http only with insecure: true)");
        }
        String last = "no attempt";
        int attempt = 0;
        while (attempt < attempts) {
            if (attempt++ > 0) sleeper.sleep(backoff.multipliedBy(1L << Math.min(attempt - 2, 6)));
            HttpResponse<byte[]> r;
            try {
                r = get(uri);
            } catch (FetchException e) {
                throw e;
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                continue;
            }
            int status = r.statusCode();
            if (status / 100 == 2) return r.body();
            last = "HTTP " + status;
            if (status != 408 && status != 429 && status < 500) break; // a client error will not heal by retrying now
        }
        String hint = last.equals("HTTP 404") ? " (publish the module at this url)" : "";
        boolean retryable = !last.startsWith("HTTP 4") || last.matches("HTTP (401|403|404|408|429)");
        throw new FetchException(last + " after " + attempt + " attempt(s)" + hint, retryable);
    }

    /** One GET, bounded whole by {@code timeout}; the body is read only for a 2xx, and at most {@code maxBytes}. */
    private HttpResponse<byte[]> get(URI uri) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        CompletableFuture<HttpResponse<byte[]>> response = client().sendAsync(request, info -> info.statusCode() / 100 == 2
                ? BoundedBody.atMost(maxBytes)
                : HttpResponse.BodySubscribers.replacing(null));
        try {
            return response.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            response.cancel(true);
            throw new IOException("no whole response within " + timeout.toMillis() + " ms (the server stalled)");
        } catch (InterruptedException e) {
            response.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof FetchException f) throw f;
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(String.valueOf(e.getCause()), e.getCause());
        }
    }

    /**
     * Built on the first url fetch, not before: an HttpClient initialises TLS (the JDK's trust store,
     * some 200 classes), which cost a one-shot pass in a TCG guest seconds for no url source.
     */
    private synchronized HttpClient client() {
        if (http == null) http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        return http;
    }

    @Override
    public String describe(ModuleSource source) { return "url " + source.getUrl(); }
}
