package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.HealthGateState;
import dev.livepatch.api.v1alpha1.HealthGateStatus;
import dev.livepatch.api.v1alpha1.HealthGates;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.OnUnhealthy;
import dev.livepatch.daemon.sim.SimKernel;
import dev.livepatch.daemon.sim.SimNode;
import dev.livepatch.daemon.time.ManualClock;
import dev.livepatch.daemon.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static dev.livepatch.daemon.converge.Statuses.module;
import static dev.livepatch.daemon.converge.Statuses.spec;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Health gates on the simulated kernel (docs/design.md §5 rule 13): an upgrade lp_a → lp_b of one
 * LivePatch, lp_b watched for a 60 s bake; the simulated kernel logs a WARNING (and taints W) when lp_b is enabled.
 */
class HealthGatesTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path root;

    private SimNode node() {
        return new SimNode(root, new ManualClock(T0), SimKernel.Config.debian61(),
                ConvergerSettings.defaults().withUnloadGrace(Duration.ofMinutes(5)), new MetricRegistry());
    }

    private static NodeModule gated(NodeModule m, OnUnhealthy onUnhealthy) {
        m.setHealthGates(new HealthGates("60s", onUnhealthy));
        return m;
    }

    private static HealthGateStatus gate(NodeLivePatchStatus s, String patch) {
        return s.getHealthGates().stream().filter(g -> g.getPatch().equals(patch)).findFirst().orElseThrow();
    }

    /** lp_a enabled, then the spec replaced by lp_b with health gates. */
    private NodeLivePatchStatus upgrade(SimNode node, OnUnhealthy onUnhealthy) throws InterruptedException {
        Converger daemon = node.converger();
        daemon.converge(spec(node.module("lp1", "lp_a", true, false)), 1);
        return daemon.converge(spec(gated(node.module("lp1", "lp_b", true, false), onUnhealthy)), 2);
    }

    @Test
    void aWarningAfterTheLoadRevertsTheNewPatchAndTheOldOneRunsAgain() throws Exception {
        SimNode node = node();
        node.kernel().warnWhenEnabled("lp_b");

        NodeLivePatchStatus s = upgrade(node, OnUnhealthy.Revert);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a");
        assertThat(module(s, "lp_b").getState()).isEqualTo(ModuleState.Failed);
        assertThat(module(s, "lp_b").getReason()).isEqualTo(NodeReasons.HEALTH_GATE_FAILED);
        assertThat(module(s, "lp_b").getMessage()).contains("WARNING: CPU: 0 PID: 1 at lp_b.c:12").contains("onUnhealthy: Revert");
        assertThat(s.getPendingUnloads()).extracting(p -> p.getModule()).contains("lp_b");
    }

    @Test
    void pauseLeavesTheNewPatchEnabledReportsTheLinesAndKeepsTheOldOne() throws Exception {
        SimNode node = node();
        node.kernel().warnWhenEnabled("lp_b");

        NodeLivePatchStatus s = upgrade(node, OnUnhealthy.Pause);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a", "lp_b");
        assertThat(module(s, "lp_b").getState()).isEqualTo(ModuleState.Enabled);
        assertThat(module(s, "lp_b").getReason()).isEqualTo(NodeReasons.HEALTH_GATE_FAILED);
        HealthGateStatus g = gate(s, "lp_b");
        assertThat(g.getState()).isEqualTo(HealthGateState.Failed);
        assertThat(g.getOnUnhealthy()).isEqualTo(OnUnhealthy.Pause);
        assertThat(g.getLines()).anySatisfy(l -> assertThat(l).startsWith("WARNING: CPU: 0 PID: 1 at lp_b.c:12"))
                .anySatisfy(l -> assertThat(l).contains("W (bit 9)"));
    }

    @Test
    void aHealthyBakeRetiresTheOldPatchOnlyWhenItIsOver() throws Exception {
        SimNode node = node();
        Converger daemon = node.converger();
        daemon.converge(spec(node.module("lp1", "lp_a", true, false)), 1);
        NodeModule b = gated(node.module("lp1", "lp_b", true, false), OnUnhealthy.Revert);

        Converger.Slice first = daemon.slice(spec(b), 2);
        for (int i = 0; i < 10 && node.kernel().inTransition(); i++) {
            node.sleep(Duration.ofSeconds(1));
            first = daemon.slice(spec(b), 2);
        }
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a", "lp_b");
        assertThat(gate(first.status(), "lp_b").getState()).isEqualTo(HealthGateState.Watching);
        assertThat(first.wakeAt()).isBeforeOrEqualTo(node.clock().instant().plus(ConvergerSettings.defaults().poll()));

        NodeLivePatchStatus s = daemon.converge(spec(b), 2);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_b");
        assertThat(gate(s, "lp_b").getState()).isEqualTo(HealthGateState.Passed);
        assertThat(Instant.parse(gate(s, "lp_b").getSince())).isAfterOrEqualTo(Instant.parse(gate(s, "lp_b").getBakeUntil()));
        assertThat(module(s, "lp_b").getReason()).isEqualTo(NodeReasons.CONVERGED);
    }

    @Test
    void aWarningLoggedBeforeTheLoadDoesNotFailTheGate() throws Exception {
        SimNode node = node();
        node.kernel().printk("WARNING: CPU: 0 PID: 9 at drivers/other.c:1 other+0x1/0x2");
        node.kernel().taint(9);

        NodeLivePatchStatus s = upgrade(node, OnUnhealthy.Revert);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_b");
        assertThat(gate(s, "lp_b").getState()).isEqualTo(HealthGateState.Passed);
    }

    @Test
    void aModuleWithoutHealthGatesIsNotWatched() throws Exception {
        SimNode node = node();
        node.kernel().warnWhenEnabled("lp_b");
        Converger daemon = node.converger();
        daemon.converge(spec(node.module("lp1", "lp_a", true, false)), 1);

        NodeLivePatchStatus s = daemon.converge(spec(node.module("lp1", "lp_b", true, false)), 2);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_b");
        assertThat(s.getHealthGates()).isEmpty();
    }
}
