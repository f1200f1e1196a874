package dev.livepatch.daemon.module;

import com.sun.net.httpserver.HttpServer;
import dev.livepatch.api.v1alpha1.ModuleSource;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class UrlFetcherTest {
    @Test
    void aServerThatSendsItsHeadersAndThenStallsFailsEachAttemptWithinTheTimeout() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/lp_a.ko", ex -> {
            calls.incrementAndGet();
            ex.sendResponseHeaders(200, 100_000);
            OutputStream body = ex.getResponseBody();
            body.write(new byte[1000]);
            body.flush();
            try {
                release.await(60, TimeUnit.SECONDS); // the rest never comes while the test runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        server.start();
        try {
            ModuleSource src = ModuleSource.url("http://127.0.0.1:" + server.getAddress().getPort() + "/lp_a.ko", "a".repeat(64));
            src.setInsecure(true);
            UrlFetcher fetcher = new UrlFetcher(Duration.ofMillis(500), 2, Duration.ofMillis(1), d -> { }, 1 << 20);
            long start = System.nanoTime();
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() -> fetcher.fetch(src))
                    .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.retryable()).isTrue())
                    .hasMessageContaining("stalled").hasMessageContaining("2 attempt(s)"));
            // unbounded before (a body read had no deadline); the bound is loose for a loaded machine: 2 x 500 ms expected
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
            assertThat(calls).hasValue(2);
        } finally {
            release.countDown();
            server.stop(0);
        }
    }

    @Test
    void aBodyLargerThanTheLimitIsRefusedForGood() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/big.ko", ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream body = ex.getResponseBody()) {
                body.write(new byte[4096]);
            } catch (java.io.IOException e) {
                // the client hung up once it had seen enough
            }
        });
        server.start();
        try {
            ModuleSource src = ModuleSource.url("http://127.0.0.1:" + server.getAddress().getPort() + "/big.ko", "a".repeat(64));
            src.setInsecure(true);
            assertThatThrownBy(() -> new UrlFetcher(Duration.ofSeconds(5), 3, Duration.ofMillis(1), d -> { }, 1024).fetch(src))
                    .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining("larger than 1024 bytes");
        } finally {
            server.stop(0);
        }
    }
}
