package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.FunctionOverlap;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.v1alpha1.TransitionRecord;
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
import static dev.livepatch.daemon.converge.Statuses.transitions;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/design.md §5 rules 9 and 10 end to end against the simulated kernel: what a module patches,
 * read from its file before the load where it can be, else from the kernel's sysfs after it; and the
 * RCU-tasks warnings of a transition kept in its record.
 */
class FunctionOverlapTest {
    private static final String DO_EXIT = "vmlinux/do_exit,1";
    private static final Duration IDLE = Duration.ZERO;

    @TempDir
    Path root;

    private SimNode node(Duration transitionLatency, boolean modern) {
        SimKernel.Config c = new SimKernel.Config("6.1.0-56-amd64", modern, modern, false, transitionLatency, null);
        return new SimNode(root, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), c, ConvergerSettings.defaults(), new MetricRegistry());
    }

    private static NodeModule patchOf(SimNode node, String lp, String name, boolean replaceable, boolean readable, String... functions) {
        return node.module(lp, name, replaceable, false,
                ElfModules.livepatch(name, node.kernel().config().release(), false, List.of(functions), readable));
    }

    @Test
    void aReplaceableModuleOverridingAPinnedFunctionIsRefusedBeforeItsLoad() throws Exception {
        SimNode node = node(Duration.ofSeconds(2), false);
        NodeModule pin = patchOf(node, "lp-pin", "lp_pin", false, true, DO_EXIT);
        NodeModule cum = patchOf(node, "lp-cum", "lp_cum", true, true, "vmlinux/cmdline_proc_show,1", DO_EXIT);

        NodeLivePatchStatus s = node.converger().converge(spec(pin, cum), 1);

        ModuleStatus refused = module(s, "lp_cum");
        assertThat(refused.getState()).isEqualTo(ModuleState.Failed);
        assertThat(refused.getReason()).isEqualTo(NodeReasons.FUNCTION_OVERLAP);
        assertThat(refused.getMessage()).contains("lp_cum", DO_EXIT, "pinned patch lp_pin", "allowFunctionOverlap", "nothing loaded");
        assertThat(node.kernel().loadedModules()).containsExactly("lp_pin");
        assertThat(node.kernel().transitionsStarted()).isEqualTo(1);
        assertThat(s.getFunctionOverlaps()).isEmpty();
    }

    @Test
    void anAcceptedOverlapLoadsAndIsReportedInStatus() throws Exception {
        SimNode node = node(Duration.ofSeconds(2), false);
        NodeModule pin = patchOf(node, "lp-pin", "lp_pin", false, true, DO_EXIT);
        NodeModule cum = patchOf(node, "lp-cum", "lp_cum", true, true, DO_EXIT);
        cum.setAllowFunctionOverlap(List.of("do_exit"));

        NodeLivePatchStatus s = node.converger().converge(spec(pin, cum), 1);

        assertThat(module(s, "lp_cum").getState()).isEqualTo(ModuleState.Enabled);
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_pin", "lp_cum");
        assertThat(s.getFunctionOverlaps()).containsExactly(new FunctionOverlap(DO_EXIT, List.of("lp_pin", "lp_cum"), true));
    }

    @Test
    void aPinnedPatchLoadedAboveAReplaceableOneWinsAndIsNoOverride() throws Exception {
        SimNode node = node(Duration.ofSeconds(2), false);
        NodeModule pin = patchOf(node, "lp-pin", "lp_pin", false, true, DO_EXIT);
        NodeModule cum = patchOf(node, "lp-cum", "lp_cum", true, true, DO_EXIT);

        NodeLivePatchStatus s = node.converger().converge(spec(cum, pin), 1);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_cum", "lp_pin");
        assertThat(module(s, "lp_cum").getState()).isEqualTo(ModuleState.Enabled);
        assertThat(s.getFunctionOverlaps()).containsExactly(new FunctionOverlap(DO_EXIT, List.of("lp_cum", "lp_pin"), false));
    }

    @Test
    void anUnreadableModuleSeenOverlappingInItsTransitionIsReversed() throws Exception {
        SimNode node = node(Duration.ofSeconds(2), false);
        NodeModule pin = patchOf(node, "lp-pin", "lp_pin", false, true, DO_EXIT);
        NodeModule cum = patchOf(node, "lp-cum", "lp_cum", true, false, DO_EXIT);

        NodeLivePatchStatus s = node.converger().converge(spec(pin, cum), 1);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_pin");
        ModuleStatus failed = module(s, "lp_cum");
        assertThat(failed.getReason()).isEqualTo(NodeReasons.FUNCTION_OVERLAP);
        assertThat(failed.getMessage()).contains(DO_EXIT, "pinned patch lp_pin", "reversed");
        assertThat(s.getLastTransitions()).filteredOn(t -> t.getPatch().equals("lp_cum")).extracting(TransitionRecord::getOutcome)
                .containsExactly(TransitionOutcome.Reverted);
    }

    @Test
    void anUnreadableModuleWhoseLoadCompletedInsideFinitModuleIsDisabledAgain() throws Exception {
        SimNode node = node(IDLE, false);
        NodeModule pin = patchOf(node, "lp-pin", "lp_pin", false, true, DO_EXIT);
        NodeModule cum = patchOf(node, "lp-cum", "lp_cum", true, false, DO_EXIT);

        NodeLivePatchStatus s = node.converger().converge(spec(pin, cum), 1);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_pin");
        assertThat(module(s, "lp_cum").getReason()).isEqualTo(NodeReasons.FUNCTION_OVERLAP);
        assertThat(module(s, "lp_cum").getMessage()).contains("disabled again");
        assertThat(transitions(s, TransitionDirection.Unpatching)).containsExactly("lp_cum");
        assertThat(s.getPendingUnloads()).extracting(p -> p.getModule()).containsExactly("lp_cum");
        // a failure sticks: the next pass loads nothing again
        int started = node.kernel().transitionsStarted();
        node.converger().converge(spec(pin, cum), 1);
        assertThat(node.kernel().transitionsStarted()).isEqualTo(started);
    }

    @Test
    void anUndeclaredAtomicReplaceIsRefusedFromItsFileBeforeItsLoad() throws Exception {
        SimNode node = node(IDLE, true);
        NodeModule pin = patchOf(node, "lp-pin", "lp_pin", false, true, DO_EXIT);
        NodeModule atomic = node.module("lp-cum", "lp_cum", true, false,
                ElfModules.livepatch("lp_cum", node.kernel().config().release(), true, List.of("vmlinux/cmdline_proc_show,1"), true));

        NodeLivePatchStatus s = node.converger().converge(spec(pin, atomic), 1);

        assertThat(module(s, "lp_cum").getReason()).isEqualTo(NodeReasons.ATOMIC_REPLACE_UNDECLARED);
        assertThat(module(s, "lp_cum").getMessage()).contains("replace = true", "nothing loaded");
        assertThat(node.kernel().loadedModules()).containsExactly("lp_pin");
    }

    @Test
    void anUndeclaredAtomicReplaceThatCompletedInsideFinitModuleIsFailedWhereTheKernelShowsReplace() throws Exception {
        SimNode node = node(IDLE, true);
        NodeModule pin = patchOf(node, "lp-pin", "lp_pin", false, true, DO_EXIT);
        NodeModule atomic = node.module("lp-cum", "lp_cum", true, false,
                ElfModules.livepatch("lp_cum", node.kernel().config().release(), true, List.of("vmlinux/cmdline_proc_show,1"), false));

        NodeLivePatchStatus s = node.converger().converge(spec(pin, atomic), 1);

        assertThat(module(s, "lp_cum").getState()).isEqualTo(ModuleState.Failed);
        assertThat(module(s, "lp_cum").getReason()).isEqualTo(NodeReasons.ATOMIC_REPLACE_UNDECLARED);
        assertThat(module(s, "lp_cum").getMessage()).contains("completed before the daemon could reverse it");
        assertThat(node.kernel().enabledPatches()).as("what it swept is gone; it stays").containsExactly("lp_cum");
    }

    @Test
    void rcuTasksWarningsUpToTheEndOfATransitionThatEndedBetweenTwoLooksAreKept() throws Exception {
        SimKernel.Config c = new SimKernel.Config("6.1.0-56-amd64", false, false, false, Duration.ofSeconds(1), Duration.ofMillis(200));
        SimNode node = new SimNode(root, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), c, ConvergerSettings.defaults(), new MetricRegistry());
        NodeModule a = node.module("lp1", "lp_a", false, false);

        NodeLivePatchStatus s = node.converger().converge(spec(a), 1);

        // one warning every 200 ms for the transition's 1 s; the daemon looks every 500 ms, the last warnings come after its last look
        assertThat(s.getLastTransitions()).singleElement().satisfies(t -> {
            assertThat(t.getOutcome()).isEqualTo(TransitionOutcome.Completed);
            assertThat(t.getRcuStallWarnings()).isEqualTo(5);
        });
    }
}
