package dev.livepatch.daemon.restore;

import dev.livepatch.daemon.config.DaemonConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The static pod appears only once the daemon is ready: the restore's JVM must not start beside a starting daemon. */
class BootRestorePodWriterTest {
    @TempDir
    Path manifests;

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() { executor.shutdownNow(); }

    private Map<String, String> env(boolean bootRestore) {
        Map<String, String> env = new HashMap<>(Map.of("NODE_NAME", "n1", "POD_NAMESPACE", "livepatch-system", "HOST_PREFIX", "/",
                "BOOT_RESTORE_IMAGE", "registry.example/livepatch-node-daemon:1"));
        if (bootRestore) env.put("BOOT_RESTORE_STATIC_POD_DIR", manifests.toString());
        return env;
    }

    private Path file() { return manifests.resolve(StaticPod.FILE_NAME); }

    @Test
    void writesTheManifestOnlyAfterTheDaemonIsReady() throws Exception {
        AtomicBoolean ready = new AtomicBoolean(false);
        AtomicInteger asked = new AtomicInteger();
        Map<String, String> env = env(true);
        new BootRestorePodWriter(DaemonConfig.fromEnv(env), env, () -> {
            asked.incrementAndGet();
            return ready.get();
        }, executor, Duration.ofMillis(5)).start();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (asked.get() < 5 && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(asked.get()).as("readiness asked again while not ready").isGreaterThanOrEqualTo(5);
        assertThat(file()).doesNotExist();

        ready.set(true);
        while (!Files.exists(file()) && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(file()).exists();
        assertThat(Files.readString(file())).contains("--restore");
        int askedWhenWritten = asked.get();
        Thread.sleep(50);
        assertThat(asked.get()).as("no more checks once written").isEqualTo(askedWhenWritten);
    }

    @Test
    void schedulesNothingWhenTheBootRestoreIsOff() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        Map<String, String> env = env(false);
        new BootRestorePodWriter(DaemonConfig.fromEnv(env), env, () -> {
            asked.incrementAndGet();
            return true;
        }, executor, Duration.ofMillis(1)).start();

        executor.shutdown();
        assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(asked.get()).isZero();
        assertThat(file()).doesNotExist();
    }
}
