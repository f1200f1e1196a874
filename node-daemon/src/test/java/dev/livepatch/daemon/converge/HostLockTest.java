package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.daemon.files.DurableFiles;
import dev.livepatch.daemon.sim.SimKernel;
import dev.livepatch.daemon.sim.SimNode;
import dev.livepatch.daemon.time.ManualClock;
import dev.livepatch.daemon.metrics.MetricRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The host lock across two processes (docs/design.md §5 rule 15): this JVM and one it spawns. */
class HostLockTest {
    @TempDir
    Path dir;

    private Process other;

    /** Holds the host lock of {@code args[0]} as "other-pass", says "locked", and releases it when its stdin closes (or it is killed). */
    public static void main(String[] args) throws Exception {
        HostLock lock = new HostLock(Path.of(args[0]), Duration.ofSeconds(30));
        try (HostLock.Held held = lock.acquire("other-pass (pid " + ProcessHandle.current().pid() + ")")) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) { /* until the parent closes our stdin */ }
        }
        System.out.println("released");
        System.out.flush();
    }

    private BufferedReader holdInAnotherProcess(Path lockFile) throws Exception {
        other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                HostLockTest.class.getName(), lockFile.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
        assertThat(nextWord(out)).isEqualTo("locked");
        return out;
    }

    /** The child's next line of its own (logging's start-up lines skipped), null at its end. */
    private static String nextWord(BufferedReader out) throws java.io.IOException {
        String line;
        while ((line = out.readLine()) != null && !line.matches("[a-z]+")) { /* a log line */ }
        return line;
    }

    @AfterEach
    void stopTheOtherProcess() {
        if (other != null) other.destroyForcibly();
    }

    @Test
    void anotherProcessHoldingTheLockMakesAPassWaitAndSayForWhom() throws Exception {
        Path lockFile = dir.resolve("lock");
        BufferedReader out = holdInAnotherProcess(lockFile);

        assertThatThrownBy(() -> new HostLock(lockFile, Duration.ofMillis(300)).acquire("restore (pid 1)"))
                .isInstanceOf(StateFileException.class)
                .hasMessageContaining("held by other-pass (pid " + other.pid() + ")").hasMessageContaining("nothing done by restore (pid 1)");

        CompletableFuture<Long> tookAfter = CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            try (HostLock.Held held = new HostLock(lockFile, Duration.ofSeconds(30)).acquire("waiter")) {
                return System.nanoTime() - t0;
            } catch (StateFileException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(500);
        assertThat(tookAfter).as("still waiting while the other process holds it").isNotDone();
        other.getOutputStream().close();
        assertThat(nextWord(out)).isEqualTo("released");
        assertThat(tookAfter.get(20, TimeUnit.SECONDS)).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(400));
    }

    @Test
    void aKilledHolderLeavesTheLockFree() throws Exception {
        Path lockFile = dir.resolve("lock");
        holdInAnotherProcess(lockFile);
        other.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

        try (HostLock.Held held = new HostLock(lockFile, Duration.ofSeconds(5)).acquire("next")) {
            assertThat(Files.readString(lockFile)).startsWith("next since ");
        }
    }

    @Test
    void aSliceWhileAnotherProcessActsDoesNothingAndSaysWhy() throws Exception {
        SimNode node = new SimNode(dir, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), SimKernel.Config.debian61(),
                ConvergerSettings.defaults(), new MetricRegistry());
        var a = node.module("lp1", "lp_a", false, false);
        var sim = SimNode.host(dir, node.kernel());
        Path state = dir.resolve("var/lib/livepatch-operator/state.json");
        holdInAnotherProcess(state.resolveSibling("lock"));
        var host = new dev.livepatch.daemon.agent.Wiring.Host(sim.kernel(), sim.loader(), sim.kernelLog(), sim.store(),
                new HostStateStore(state, DurableFiles.UNSYNCED, Duration.ofMillis(200)), sim.taint());
        Converger daemon = dev.livepatch.daemon.agent.Wiring.converger(host, node.clock(), node::sleep, ConvergerSettings.defaults(),
                new dev.livepatch.daemon.metrics.DaemonMetrics(), s -> { });

        NodeLivePatchStatus s = daemon.slice(new NodeLivePatchSpec(new java.util.ArrayList<>(List.of(a))), 1).status();

        assertThat(node.kernel().transitionsStarted()).isZero();
        assertThat(Files.exists(state)).isFalse();
        assertThat(Statuses.condition(s, "Degraded").getMessage()).contains("held by other-pass (pid " + other.pid() + ")");

        other.getOutputStream().close();
        other.waitFor(10, TimeUnit.SECONDS);
        daemon.converge(new NodeLivePatchSpec(new java.util.ArrayList<>(List.of(a))), 1);
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a");
    }
}
