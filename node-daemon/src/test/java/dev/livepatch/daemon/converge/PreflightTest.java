package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.daemon.sim.ElfModules;
import dev.livepatch.daemon.sim.SimKernel;
import dev.livepatch.daemon.sim.SimNode;
import dev.livepatch.daemon.time.ManualClock;
import dev.livepatch.daemon.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static dev.livepatch.daemon.converge.Statuses.module;
import static dev.livepatch.daemon.converge.Statuses.spec;
import static org.assertj.core.api.Assertions.assertThat;

/** Preflight on the simulated kernel (docs/design.md §5 rule 14): every check a load makes, nothing loaded. */
class PreflightTest {
    @TempDir
    Path root;

    private SimNode node() {
        return new SimNode(root, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), SimKernel.Config.debian61(),
                ConvergerSettings.defaults().withUnloadGrace(Duration.ofMinutes(5)), new MetricRegistry());
    }

    private static NodeModule preflight(NodeModule m) {
        m.setPreflight(true);
        return m;
    }

    @Test
    void aGoodModuleIsReadyToApplyAndNothingIsLoaded() throws Exception {
        SimNode node = node();

        NodeLivePatchStatus s = node.converger().converge(spec(preflight(node.module("lp1", "lp_a", true, false))), 1);

        assertThat(node.kernel().loadedModules()).isEmpty();
        assertThat(node.kernel().transitionsStarted()).isZero();
        ModuleStatus m = module(s, "lp_a");
        assertThat(m.getState()).isEqualTo(ModuleState.Pending);
        assertThat(m.getReason()).isEqualTo(NodeReasons.READY_TO_APPLY);
        assertThat(m.getMessage()).contains("nothing loaded");
    }

    @Test
    void eachBadModuleReportsItsReasonAndNothingIsLoaded() throws Exception {
        SimNode node = node();
        NodeModule otherKernel = preflight(node.module("lp1", "lp_vermagic", true, false, ElfModules.livepatch("lp_vermagic", "6.12.0-1-amd64", false)));
        NodeModule notLivepatch = preflight(node.module("lp1", "lp_plain", true, false, ElfModules.withModinfo(
                java.util.Map.of("name", "lp_plain", "vermagic", node.kernel().config().release() + " SMP preempt mod_unload modversions"))));
        NodeModule wrongSum = preflight(node.module("lp1", "lp_sum", true, false));
        wrongSum.getSource().setSha256("0".repeat(64));
        NodeModule misnamed = preflight(node.module("lp1", "lp_named", true, false, ElfModules.livepatch("lp_other", node.kernel().config().release(), false)));

        NodeLivePatchStatus s = node.converger().converge(spec(otherKernel, notLivepatch, wrongSum, misnamed), 1);

        assertThat(node.kernel().loadedModules()).isEmpty();
        assertThat(List.of("lp_vermagic", "lp_plain", "lp_sum", "lp_named")).allSatisfy(n -> assertThat(module(s, n).getState()).as(n).isEqualTo(ModuleState.Failed));
        assertThat(module(s, "lp_vermagic").getReason()).isEqualTo(NodeReasons.VERMAGIC_MISMATCH);
        assertThat(module(s, "lp_plain").getReason()).isEqualTo(NodeReasons.NOT_A_LIVEPATCH);
        assertThat(module(s, "lp_sum").getReason()).isEqualTo(NodeReasons.CHECKSUM_MISMATCH);
        assertThat(module(s, "lp_named").getReason()).isEqualTo(NodeReasons.NAME_MISMATCH);
    }

    @Test
    void anAtomicReplaceOverAPinnedPatchIsRefusedAndThePinnedPatchStays() throws Exception {
        SimNode node = node();
        Converger daemon = node.converger();
        NodeModule pinned = node.module("lp0", "lp_pin", false, false);
        daemon.converge(spec(pinned), 1);

        NodeLivePatchStatus s = daemon.converge(spec(pinned, preflight(node.module("lp1", "lp_all", true, true))), 2);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_pin");
        assertThat(module(s, "lp_all").getState()).isEqualTo(ModuleState.Failed);
        assertThat(module(s, "lp_all").getReason()).isEqualTo(NodeReasons.HYBRID_UNSUPPORTED);
    }

    @Test
    void aReplaceableModuleOverAPinnedPatchsFunctionIsRefused() throws Exception {
        SimNode node = node();
        Converger daemon = node.converger();
        String release = node.kernel().config().release();
        NodeModule pinned = node.module("lp0", "lp_pin", false, false, ElfModules.livepatch("lp_pin", release, false, List.of("vmlinux/cmdline_proc_show,1"), true));
        daemon.converge(spec(pinned), 1);
        NodeModule over = preflight(node.module("lp1", "lp_over", true, false,
                ElfModules.livepatch("lp_over", release, false, List.of("vmlinux/cmdline_proc_show,1"), true)));

        NodeLivePatchStatus s = daemon.converge(spec(pinned, over), 2);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_pin");
        assertThat(module(s, "lp_over").getReason()).isEqualTo(NodeReasons.FUNCTION_OVERLAP);
    }

    @Test
    void anUpgradeInPreflightKeepsTheOldPatchAndFlippingItOffRollsItOut() throws Exception {
        SimNode node = node();
        Converger daemon = node.converger();
        daemon.converge(spec(node.module("lp1", "lp_a", true, false)), 1);
        NodeModule b = preflight(node.module("lp1", "lp_b", true, false));
        b.setLivePatchGeneration(2L);

        NodeLivePatchStatus dry = daemon.converge(spec(b), 2);
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a");
        assertThat(module(dry, "lp_b").getReason()).isEqualTo(NodeReasons.READY_TO_APPLY);

        b.setPreflight(null);
        b.setLivePatchGeneration(3L);
        NodeLivePatchStatus s = daemon.converge(spec(b), 3);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_b");
        assertThat(module(s, "lp_b").getState()).isEqualTo(ModuleState.Enabled);
    }
}
