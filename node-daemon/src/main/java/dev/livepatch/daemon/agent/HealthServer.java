package dev.livepatch.daemon.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.livepatch.daemon.metrics.MetricRegistry;
import dev.livepatch.daemon.metrics.TextFormat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/** {@code /healthz} (liveness), {@code /readyz} (readiness) and {@code /metrics} (Prometheus text) on the JDK's HTTP server. */
public final class HealthServer implements AutoCloseable {
    private final HttpServer server;

    public HealthServer(int port, BooleanSupplier alive, BooleanSupplier ready, MetricRegistry registry) throws IOException {
        server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/healthz", ex -> respond(ex, alive.getAsBoolean() ? 200 : 503, alive.getAsBoolean() ? "ok\n" : "worker stopped\n", "text/plain"));
        server.createContext("/readyz", ex -> respond(ex, ready.getAsBoolean() ? 200 : 503, ready.getAsBoolean() ? "ok\n" : "not synced yet\n", "text/plain"));
        server.createContext("/metrics", ex -> respond(ex, 200, registry.scrape(), TextFormat.CONTENT_TYPE));
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public int port() { return server.getAddress().getPort(); }

    private static void respond(HttpExchange ex, int code, String body, String type) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() { server.stop(0); }
}
