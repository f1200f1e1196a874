package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.daemon.time.Sleeper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * GETs {@code source.url} (https only unless {@code insecure: true}; the sha256 protects the
 * content either way). Connect and request timeouts; transport errors, 5xx and 429 are retried
 * {@code attempts} times in all with exponential backoff; other statuses fail at once.
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
            throw new IOException("url scheme must be https (http only with insecure: true)");
        }
        String last = "no attempt";
        int attempt = 0;
        while (attempt < attempts) {
            if (attempt++ > 0) sleeper.sleep(backoff.multipliedBy(1L << Math.min(attempt - 2, 6)));
            int status;
            try {
                HttpResponse<InputStream> r = client().send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream body = r.body()) {
                    status = r.statusCode();
                    if (status / 100 == 2) {
                        byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                        if (bytes.length > maxBytes) throw new IOException("response is larger than " + maxBytes + " bytes");
                        return bytes;
                    }
                }
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                continue;
            }
            last = "HTTP " + status;
            if (status < 500 && status != 429) break; // a client error will not heal by retrying
        }
        throw new IOException(last + " after " + attempt + " attempt(s)");
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
