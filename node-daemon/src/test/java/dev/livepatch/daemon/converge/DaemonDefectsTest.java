package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.daemon.kernel.BlockingTaskScan;
import dev.livepatch.daemon.kernel.Errno;
import dev.livepatch.daemon.kernel.DelegatingKernel;
import dev.livepatch.daemon.kernel.Kernel;
import dev.livepatch.daemon.kernel.PatchState;
import dev.livepatch.daemon.kernel.KernelException;
import dev.livepatch.daemon.kernel.SysfsKernel;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.module.ModuleException;
import dev.livepatch.daemon.module.ModuleStore;
import dev.livepatch.daemon.agent.Wiring;
import dev.livepatch.daemon.sim.ElfModules;
import dev.livepatch.daemon.sim.SimKernel;
import dev.livepatch.daemon.sim.SimNode;
import dev.livepatch.daemon.time.ManualClock;
import dev.livepatch.daemon.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.livepatch.daemon.converge.Statuses.condition;
import static dev.livepatch.daemon.converge.Statuses.module;
import static dev.livepatch.daemon.converge.Statuses.spec;
import static dev.livepatch.daemon.converge.Statuses.transitions;
import static org.assertj.core.api.Assertions.assertThat;

/** The daemon core's defects, one test each: each failed before its fix. */
class DaemonDefectsTest {
    @TempDir
    Path root;

    private SimNode node(SimKernel.Config config) {
        return new SimNode(root, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), config,
                ConvergerSettings.defaults().withUnloadGrace(Duration.ofMinutes(5)), new MetricRegistry());
    }

    @Test
    void anUndeclaredAtomicReplaceIsReversedBeforeItSweepsThePinnedPatch() throws Exception {
        SimNode node = node(SimKernel.Config.debian61().withModernAttrs());
        NodeModule pin = node.module("lp1", "lp_pin", false, false);
        NodeModule sneaky = node.module("lp2", "lp_cum", true, false, ElfModules.livepatch("lp_cum", node.kernel().config().release(), true));
        Converger daemon = node.converger();
        daemon.converge(spec(pin), 1);

        NodeLivePatchStatus s = daemon.converge(spec(pin, sneaky), 2);

        assertThat(module(s, "lp_cum").getState()).isEqualTo(ModuleState.Failed);
        assertThat(module(s, "lp_cum").getReason()).isEqualTo(NodeReasons.ATOMIC_REPLACE_UNDECLARED);
        assertThat(module(s, "lp_cum").getMessage()).contains("replace=1", "atomicReplace: false");
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_pin");
        assertThat(module(s, "lp_pin").getState()).isEqualTo(ModuleState.Enabled);
    }

    @Test
    void withoutTheReplaceAttributeTheStatusSaysTheDeclarationIsTrusted() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeLivePatchStatus s = node.converger().converge(spec(node.module("lp1", "lp_a", true, false)), 1);
        assertThat(module(s, "lp_a").getMessage()).contains("no 'replace' attribute", "trusted");
    }

    @Test
    void aTransientFetchFailureIsRetriedWithBackoffAndShownAsRetrying() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", false, false);
        AtomicInteger failuresLeft = new AtomicInteger(2);
        Wiring.Host host = SimNode.host(root, node.kernel());
        ModuleStore flaky = (m, release) -> {
            if (failuresLeft.getAndDecrement() > 0) throw ModuleException.retryable(NodeReasons.FETCH_FAILED, "failed to fetch module lp_a: timed out");
            return host.store().verified(m, release);
        };
        Converger daemon = Wiring.converger(new Wiring.Host(host.kernel(), host.loader(), host.kernelLog(), flaky, host.stateStore()),
                node.clock(), node::sleep, ConvergerSettings.defaults(), new DaemonMetrics(), st -> { });

        Converger.Slice first = daemon.slice(spec(a), 1);
        assertThat(module(first.status(), "lp_a").getState()).isEqualTo(ModuleState.Pending);
        assertThat(module(first.status(), "lp_a").getReason()).isEqualTo(NodeReasons.RETRYING);
        assertThat(module(first.status(), "lp_a").getMessage()).contains("timed out", "attempt 1", "next attempt at");
        assertThat(first.wakeAt()).isEqualTo(node.clock().instant().plus(ConvergerSettings.defaults().retryBackoff()));

        NodeLivePatchStatus s = daemon.converge(spec(a), 1);
        assertThat(module(s, "lp_a").getState()).isEqualTo(ModuleState.Enabled);
        assertThat(failuresLeft.get()).isNegative();
    }

    @Test
    void oneLivePatchsFailedModuleDoesNotHoldAnotherLivePatchsRetirement() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a1 = node.module("lp-a", "lp_a1", true, false);
        NodeModule b1 = node.module("lp-b", "lp_b1", true, false);
        NodeModule a2 = node.module("lp-a", "lp_a2", true, false);
        a2.getSource().setSha256("0".repeat(64));
        NodeModule b2 = node.module("lp-b", "lp_b2", true, false);
        Converger daemon = node.converger();
        daemon.converge(spec(a1, b1), 1);

        NodeLivePatchStatus s = daemon.converge(spec(a2, b2), 2);

        assertThat(module(s, "lp_a2").getState()).isEqualTo(ModuleState.Failed);
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a1", "lp_b2"); // lp_b1 retired, lp_a1 kept as the fix
        assertThat(condition(s, "Ready").getMessage()).contains("retirement of patch lp_a1 waits for [lp_a2] of LivePatch lp-a");
    }

    @Test
    void withoutStackOrderPatchesAreRetiredInReverseLoadOrder() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        Converger daemon = node.converger();
        daemon.converge(spec(node.module("lp1", "lp_c", true, false), node.module("lp1", "lp_a", true, false),
                node.module("lp1", "lp_b", true, false)), 1);

        NodeLivePatchStatus s = daemon.converge(spec(), 2);

        assertThat(transitions(s, TransitionDirection.Unpatching)).containsExactly("lp_b", "lp_a", "lp_c");
        assertThat(s.getPatches()).isEmpty();
    }

    @Test
    void aLoadedModuleWithoutItsPatchIsReportedBlockedWithWhatToDo() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        node.kernel().loadForeign("lp_a", false);
        new SysfsKernel(root, node.kernel()).writeEnabled("lp_a", false); // disabled by hand: the module stays
        node.sleep(Duration.ofSeconds(5));
        assertThat(node.kernel().loadedModules()).containsExactly("lp_a");

        NodeLivePatchStatus s = node.converger().converge(spec(node.module("lp1", "lp_a", false, false)), 1);

        assertThat(module(s, "lp_a").getState()).isEqualTo(ModuleState.Pending);
        assertThat(module(s, "lp_a").getReason()).isEqualTo(NodeReasons.BLOCKED);
        assertThat(module(s, "lp_a").getMessage()).contains("loaded without a livepatch directory", "rmmod lp_a");
    }

    @Test
    void anUnreadableKernelIsReportedAndForgetsNothing() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", false, false);
        node.converger().converge(spec(a), 1);
        Wiring.Host host = SimNode.host(root, node.kernel());
        Kernel failing = new DelegatingKernel(host.kernel()) {
            @Override
            public List<PatchState> patches() throws KernelException {
                throw new KernelException(Errno.OTHER, "read /sys/kernel/livepatch: Too many open files");
            }
        };
        Converger blind = Wiring.converger(new Wiring.Host(failing, host.loader(), host.kernelLog(), host.store(), host.stateStore()),
                node.clock(), node::sleep, ConvergerSettings.defaults(), new DaemonMetrics(), st -> { });

        NodeLivePatchStatus s = blind.converge(spec(), 2);

        assertThat(condition(s, "Degraded").getStatus()).isEqualTo("True");
        assertThat(condition(s, "Degraded").getMessage()).contains("Too many open files", "records kept");
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a");
        s = node.converger().converge(spec(a), 3);
        assertThat(s.getPatches()).singleElement().satisfies(p -> assertThat(p.getManaged()).isTrue());
        assertThat(node.kernel().transitionsStarted()).isEqualTo(1);
    }

    @Test
    void aStallWhoseTasksCannotBeReadSaysWhyNotNoneSeen() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        node.kernel().addTask(4242, "fio", List.of("[<0>] do_exit+0x1c/0x90"), true);
        NodeModule a = node.module("lp1", "lp_a", false, false); // stallTimeout 60s, onStall Revert
        Wiring.Host host = SimNode.host(root, node.kernel());
        SysfsKernel withoutProc = new SysfsKernel(root.resolve("no-host-mounts"), node.kernel());
        Kernel procUnlisted = new DelegatingKernel(host.kernel()) {
            @Override
            public BlockingTaskScan blockingTasks(int targetState, int max) { return withoutProc.blockingTasks(targetState, max); }
        };
        Converger converger = Wiring.converger(new Wiring.Host(procUnlisted, host.loader(), host.kernelLog(), host.store(), host.stateStore()),
                node.clock(), node::sleep, ConvergerSettings.defaults(), new DaemonMetrics(), st -> { });

        NodeLivePatchStatus s = converger.converge(spec(a), 1);

        assertThat(module(s, "lp_a").getReason()).isEqualTo(NodeReasons.STALL_REVERTED);
        assertThat(module(s, "lp_a").getMessage())
                .contains("blocking tasks: could not be read: failed to list " + root.resolve("no-host-mounts/proc") + ": no such file or directory (ENOENT)")
                .doesNotContain("none seen");
        assertThat(node.kernel().enabledPatches()).isEmpty();
    }

    @Test
    void aRetainedPatchIsAdoptedWhenTheSpecNamesTheSameBuildAgain() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", false, false);
        node.converger().converge(spec(a), 1);
        NodeLivePatchSpec retain = spec();
        retain.setRetained(new ArrayList<>(List.of("lp_a")));
        NodeLivePatchStatus s = node.converger().converge(retain, 2);
        assertThat(s.getPatches()).singleElement().satisfies(p -> assertThat(p.getManaged()).isFalse());
        node.converger().converge(spec(), 3); // a later pass no longer names it retained

        s = node.converger().converge(spec(a), 4);

        assertThat(module(s, "lp_a").getState()).isEqualTo(ModuleState.Enabled);
        assertThat(s.getPatches()).singleElement().satisfies(p -> assertThat(p.getManaged()).isTrue());
        assertThat(node.kernel().transitionsStarted()).isEqualTo(1); // adopted, not loaded again
    }

    @Test
    void aKillBetweenDecidingARevertAndRevertingStillReverts() {
        try (NodeWorld w = new NodeWorld(false)) {
            w.stick(true);
            NodeLivePatchSpec spec = w.spec(List.of("lp_pin1"), OnStall.Revert);
            w.slice(spec);
            w.advance(Duration.ofSeconds(6));
            w.crashAt(0, false);
            assertThat(w.slice(spec)).as("the daemon died at the reversing write").isNull();
            assertThat(w.kernel().patch("lp_pin1").orElseThrow().enabled()).as("not reversed yet").isTrue();

            NodeLivePatchStatus s = w.settle(spec, 200);

            assertThat(module(s, "lp_pin1").getReason()).isEqualTo(NodeReasons.STALL_REVERTED);
            assertThat(w.kernel().patch("lp_pin1")).isEmpty();
        }
    }

    @Test
    void daemonDowntimeIsNotTransitionTime() {
        try (NodeWorld w = new NodeWorld(false)) {
            w.stick(true);
            NodeLivePatchSpec spec = w.spec(List.of("lp_pin1"), OnStall.Revert); // stallTimeout 5s
            w.slice(spec);
            w.advance(Duration.ofMinutes(3)); // the daemon is down (an image pull): the kernel goes on
            w.restart();

            NodeLivePatchStatus s = w.slice(spec).status();
            assertThat(module(s, "lp_pin1").getState()).isEqualTo(ModuleState.Transitioning);
            w.advance(Duration.ofSeconds(3));
            assertThat(module(w.slice(spec).status(), "lp_pin1").getState()).isEqualTo(ModuleState.Transitioning);
            w.advance(Duration.ofSeconds(3));
            w.slice(spec);
            assertThat(w.kernel().patch("lp_pin1").orElseThrow().enabled()).as("reversed after 6 s observed").isFalse();
        }
    }

    @Test
    void aKillBetweenSavingTheIntentAndLoadingRecordsNoTransition() {
        try (NodeWorld w = new NodeWorld(false)) {
            NodeLivePatchSpec spec = w.spec(List.of("lp_pin1"), OnStall.Revert);
            w.crashAt(0, false);
            assertThat(w.slice(spec)).isNull();
            assertThat(w.kernel().moduleLoaded("lp_pin1")).isFalse();

            NodeLivePatchStatus s = w.settle(spec, 50);

            assertThat(module(s, "lp_pin1").getState()).isEqualTo(ModuleState.Enabled);
            assertThat(s.getLastTransitions()).singleElement().satisfies(t -> assertThat(t.getOutcome()).isEqualTo(TransitionOutcome.Completed));
        }
    }

    @Test
    void aCorruptStateFileIsReportedKeptAsideAndTheRecordsRebuiltFromTheKernel() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", false, false);
        node.converger().converge(spec(a), 1);
        Path state = root.resolve("var/lib/livepatch-operator/state.json");
        Files.writeString(state, "{\"bootId\": \"x\", \"managed\": {");

        NodeLivePatchStatus s = node.converger().slice(spec(), 2).status(); // a spec that would retire lp_a

        assertThat(condition(s, "Degraded").getStatus()).isEqualTo("True");
        assertThat(condition(s, "Degraded").getMessage()).contains("state.json", "moved aside", "nothing changed in the kernel");
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a");
        try (var files = Files.list(state.getParent())) {
            assertThat(files.map(f -> f.getFileName().toString())).anyMatch(f -> f.startsWith("state.json.unreadable-"));
        }
        s = node.converger().converge(spec(a), 3); // rebuilt: the spec's build is adopted, not loaded again
        assertThat(module(s, "lp_a").getState()).isEqualTo(ModuleState.Enabled);
        assertThat(s.getPatches()).singleElement().satisfies(p -> assertThat(p.getManaged()).isTrue());
        assertThat(condition(s, "Degraded").getStatus()).isEqualTo("False");
        assertThat(node.kernel().transitionsStarted()).isEqualTo(1);
    }

    @Test
    void lostRecordsAreRebuiltOnlyForTheSpecsOwnBuild() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", false, false);
        node.converger().converge(spec(a), 1);
        node.kernel().loadForeign("lp_b", false); // same name as the spec's below, but not its build (no build id of it)
        Files.delete(root.resolve("var/lib/livepatch-operator/state.json"));

        NodeLivePatchStatus s = node.converger().converge(spec(a, node.module("lp1", "lp_b", false, false)), 2);

        assertThat(module(s, "lp_a").getState()).isEqualTo(ModuleState.Enabled);
        assertThat(module(s, "lp_b").getState()).isEqualTo(ModuleState.Failed);
        assertThat(module(s, "lp_b").getMessage()).contains("not managed by the daemon");
        assertThat(s.getPatches()).extracting(p -> p.getName() + "=" + p.getManaged()).containsExactlyInAnyOrder("lp_a=true", "lp_b=false");
        assertThat(node.kernel().transitionsStarted()).isEqualTo(1);
    }

    @Test
    void aStalledWaitIsRevertedOnceTheSpecSaysRevert() {
        try (NodeWorld w = new NodeWorld(false)) {
            w.stick(true);
            NodeLivePatchSpec waiting = w.spec(List.of("lp_pin1"), OnStall.Wait);
            w.slice(waiting);
            w.advance(Duration.ofSeconds(10));
            NodeLivePatchStatus s = w.slice(waiting).status();
            assertThat(module(s, "lp_pin1").getState()).isEqualTo(ModuleState.Stalled);

            w.slice(w.spec(List.of("lp_pin1"), OnStall.Revert)); // the next slice reads the edited spec
            assertThat(w.kernel().patch("lp_pin1").orElseThrow().enabled()).isFalse();
        }
    }

    @Test
    void aStalledLoadIsRolledOffWhenTheSpecDropsIt() {
        try (NodeWorld w = new NodeWorld(false)) {
            w.stick(true);
            NodeLivePatchSpec waiting = w.spec(List.of("lp_pin1"), OnStall.Wait);
            w.slice(waiting);
            w.advance(Duration.ofSeconds(10));
            w.slice(waiting);

            w.slice(w.spec(List.of(), OnStall.Wait)); // the LivePatch was deleted
            assertThat(w.kernel().patch("lp_pin1").orElseThrow().enabled()).isFalse();
            w.stick(false);
            w.settle(w.spec(List.of(), OnStall.Wait), 20);
            assertThat(w.kernel().patch("lp_pin1")).isEmpty();
        }
    }

    /** Found by the model test: an atomic replace started for a spec without the pinned patch, the spec taking it back meanwhile. */
    @Test
    void anAtomicReplaceStillLoadingIsReversedWhenTheSpecTakesBackAPatchItWouldSweep() {
        try (NodeWorld w = new NodeWorld(false)) {
            w.settle(w.spec(List.of("lp_pin1"), OnStall.Revert), 20);
            w.slice(w.spec(List.of("lp_all"), OnStall.Revert)); // the pinned patch dropped: the atomic replace may sweep it
            assertThat(w.kernel().inTransition().orElseThrow().name()).isEqualTo("lp_all");

            NodeLivePatchSpec back = w.spec(List.of("lp_pin1", "lp_all"), OnStall.Revert);
            w.slice(back);
            NodeLivePatchStatus s = w.settle(back, 50);

            assertThat(NodeWorld.settled(w.kernel())).containsExactly("lp_pin1");
            assertThat(module(s, "lp_all").getReason()).isEqualTo(NodeReasons.HYBRID_UNSUPPORTED);
            assertThat(module(s, "lp_all").getMessage()).contains("spec changed while it loaded");
        }
    }

    /**
     * An atomic replace started while the pinned LivePatch retired its only patch; the spec then
     * gives that LivePatch a new module: completing would sweep its old fix before the new one is
     * loaded (rule 1's hold), so the load is reversed and the old fix stays until the new one is enabled.
     */
    @Test
    void anAtomicReplaceStillLoadingIsReversedWhenAnotherLivePatchsOldFixMustWaitForItsNewModule() {
        try (NodeWorld w = new NodeWorld(false)) {
            w.settle(w.spec(List.of("lp_pin1"), OnStall.Revert), 20);
            w.slice(w.spec(List.of("lp_all"), OnStall.Revert));
            assertThat(w.kernel().inTransition().orElseThrow().name()).isEqualTo("lp_all");

            NodeLivePatchSpec successor = w.spec(List.of("lp_pin2", "lp_all"), OnStall.Revert);
            w.slice(successor);
            assertThat(w.kernel().patch("lp_pin1").orElseThrow().enabled()).as("the old fix is not swept").isTrue();
            NodeLivePatchStatus s = w.settle(successor, 50);

            assertThat(NodeWorld.settled(w.kernel())).containsExactly("lp_pin2");
            assertThat(module(s, "lp_all").getReason()).isEqualTo(NodeReasons.HYBRID_UNSUPPORTED);
        }
    }
}
