package dev.livepatch.daemon.agent;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.daemon.converge.Converger;
import dev.livepatch.daemon.converge.ConvergerSettings;
import dev.livepatch.daemon.kernel.DelegatingKernel;
import dev.livepatch.daemon.kernel.Kernel;
import dev.livepatch.daemon.kernel.KernelException;
import dev.livepatch.daemon.kernel.PatchState;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.sim.SimKernel;
import dev.livepatch.daemon.sim.SimNode;
import dev.livepatch.daemon.time.ManualClock;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import dev.livepatch.daemon.metrics.MetricRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The agent's liveness: a worker stuck in a slice (a kernel read that never returns) is not alive, so the kubelet restarts it. */
class NodeAgentTest {
    @TempDir
    Path root;

    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        worker.shutdownNow();
    }

    @Test
    void aWorkerStuckInASliceIsNotAlive() {
        SimNode node = new SimNode(root, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), SimKernel.Config.debian61(),
                ConvergerSettings.defaults(), new MetricRegistry());
        Wiring.Host host = SimNode.host(root, node.kernel());
        Kernel hanging = new DelegatingKernel(host.kernel()) {
            @Override
            public List<PatchState> patches() throws KernelException {
                try {
                    release.await(); // a read that never returns (a wedged sysfs, a stuck NFS-backed host path)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.patches();
            }
        };
        Converger converger = Wiring.converger(new Wiring.Host(hanging, host.loader(), host.kernelLog(), host.store(), host.stateStore()),
                Clock.systemUTC(), d -> { }, ConvergerSettings.defaults(), new DaemonMetrics(), s -> { });
        NodeLivePatch nlp = new NodeLivePatch();
        nlp.setMetadata(new ObjectMetaBuilder().withName("n1").withUid("u1").withGeneration(1L).build());
        nlp.setSpec(new NodeLivePatchSpec());
        NodeAgent agent = new NodeAgent("n1", () -> nlp, converger, () -> { }, worker, Duration.ofMinutes(1), Duration.ofMillis(300),
                Clock.systemUTC()).start();

        assertThat(agent.alive()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !agent.alive());
        assertThat(agent.ready()).isFalse();

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.alive() && agent.ready());
        agent.close();
        assertThat(agent.alive()).isFalse();
    }
}
