package dev.livepatch.operator.observer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.HealthGates;
import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.OnUnhealthy;
import dev.livepatch.api.v1alpha1.Transition;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.operator.conflict.ClaimResolver;
import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.NodeView;
import dev.livepatch.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How one node reads for one LivePatch: updated only once its kernel has nothing left to do. */
class NodeReaderTest {
    private final LivePatch lp = Fixtures.livePatch("fix", spec -> {});
    private final Node node = Fixtures.node("n1");

    @Test
    void enabledModulesWithAnIdleKernelAreUpdated() {
        assertThat(stateOf(admittedAndEnabled())).isEqualTo(NodeState.UPDATED);
    }

    @Test
    void theEntriesCarryTheLivePatchsPreflightFlagAndHealthGates() {
        LivePatch checked = Fixtures.livePatch("fix", spec -> {
            spec.setPreflight(true);
            spec.setHealthGates(new HealthGates("10m", OnUnhealthy.Pause));
        });

        assertThat(NodeReader.desiredEntries(checked, node)).singleElement().satisfies(e -> {
            assertThat(e.isPreflight()).isTrue();
            assertThat(e.getHealthGates()).isEqualTo(new HealthGates("10m", OnUnhealthy.Pause));
        });
        assertThat(NodeReader.desiredEntries(lp, node)).singleElement().satisfies(e -> {
            assertThat(e.getPreflight()).isNull();
            assertThat(e.getHealthGates()).isNull();
        });
    }

    @Test
    void inPreflightModulesReadyToApplyMakeTheNodeUpdatedAndHoldNoSlot() {
        LivePatch checked = Fixtures.livePatch("fix", spec -> spec.setPreflight(true));
        NodeLivePatch nlp = admittedAndEnabled(checked);
        nlp.getStatus().getPatches().clear();
        nlp.getStatus().getModules().set(0, new ModuleStatus("lp_fix_fix", "fix", ModuleState.Pending, NodeReasons.READY_TO_APPLY, "ready", null));

        NodeView v = viewOf(checked, nlp);
        assertThat(v.state()).isEqualTo(NodeState.UPDATED);
        assertThat(v.kernelBusy()).isFalse();
    }

    @Test
    void aHealthGateFailedUnderPauseFailsTheNodeWithTheDaemonsLines() {
        NodeLivePatch nlp = admittedAndEnabled();
        nlp.getStatus().getModules().set(0, new ModuleStatus("lp_fix_fix", "fix", ModuleState.Enabled, NodeReasons.HEALTH_GATE_FAILED,
                "patch lp_fix_fix is enabled and failed a health gate during its bake (onUnhealthy: Pause): WARNING: CPU: 0 PID: 1 at x.c:1", null));

        NodeView v = viewOf(lp, nlp);
        assertThat(v.state()).isEqualTo(NodeState.FAILED);
        assertThat(v.reason()).isEqualTo(NodeReasons.HEALTH_GATE_FAILED);
        assertThat(v.message()).contains("WARNING: CPU: 0");
    }

    @Test
    void flippingPreflightOffMakesTheCheckedNodePendingAgain() {
        LivePatch checked = Fixtures.livePatch("fix", spec -> spec.setPreflight(true));
        NodeLivePatch nlp = admittedAndEnabled(checked);
        nlp.getStatus().getModules().set(0, new ModuleStatus("lp_fix_fix", "fix", ModuleState.Pending, NodeReasons.READY_TO_APPLY, "ready", null));

        assertThat(viewOf(lp, nlp).state()).isEqualTo(NodeState.PENDING);
    }

    @Test
    void aTransitionInFlightKeepsTheNodeInProgress() {
        NodeLivePatch nlp = admittedAndEnabled();
        Transition t = new Transition();
        t.setPatch("lp_old_cumulative");
        t.setDirection(TransitionDirection.Unpatching);
        nlp.getStatus().setTransition(t);

        assertThat(stateOf(nlp)).isEqualTo(NodeState.IN_PROGRESS);
    }

    @Test
    void aManagedPatchStillEnabledButNoLongerDesiredKeepsTheNodeInProgress() {
        NodeLivePatch nlp = admittedAndEnabled();
        nlp.getStatus().getPatches().add(patch("lp_old_cumulative", true));

        assertThat(stateOf(nlp)).isEqualTo(NodeState.IN_PROGRESS);
    }

    @Test
    void unmanagedOrRetainedPatchesDoNotHoldTheNode() {
        NodeLivePatch nlp = admittedAndEnabled();
        nlp.getStatus().getPatches().add(patch("vendor_fix", false));
        nlp.getStatus().getPatches().add(patch("lp_kept", true));
        nlp.getSpec().getRetained().add("lp_kept");

        assertThat(stateOf(nlp)).isEqualTo(NodeState.UPDATED);
    }

    @Test
    void aNodeMidTransitionForContentTheSpecNoLongerNamesIsPendingAndBusy() {
        NodeLivePatch nlp = admittedAndEnabled();
        nlp.getStatus().setTransition(transition("lp_fix_fix"));
        LivePatch edited = Fixtures.livePatch("fix", spec -> spec.getModules().get(0).getSource().setSha256(Fixtures.sha('b')));

        NodeView v = viewOf(edited, nlp);
        assertThat(v.state()).isEqualTo(NodeState.PENDING);
        assertThat(v.kernelBusy()).isTrue();
        assertThat(v.occupiesSlot()).isTrue();
    }

    @Test
    void aFailedNodeStillLoadingAnotherModuleOccupiesASlot() {
        LivePatch two = Fixtures.livePatch("fix", spec -> spec.getModules().add(Fixtures.module("lp_fix_other", 'c')));
        NodeLivePatch nlp = admittedAndEnabled(two);
        nlp.getStatus().getModules().set(0, new ModuleStatus("lp_fix_fix", "fix", ModuleState.Failed, "LoadFailed", "insmod failed", null));
        nlp.getStatus().getModules().set(1, new ModuleStatus("lp_fix_other", "fix", ModuleState.Pending, null, null, null));

        NodeView v = viewOf(two, nlp);
        assertThat(v.state()).isEqualTo(NodeState.FAILED);
        assertThat(v.kernelBusy()).isTrue();
    }

    @Test
    void aModuleTheDaemonReportsBlockedFailsTheNodeWithItsReasonAndOwesNoTransition() {
        NodeLivePatch nlp = admittedAndEnabled();
        nlp.getStatus().getModules().set(0, new ModuleStatus("lp_fix_fix", "fix", ModuleState.Pending, NodeReasons.BLOCKED,
                "cannot load module lp_fix_fix: a module of that name is loaded without a livepatch directory", null));
        nlp.getStatus().getPatches().clear();

        NodeView v = viewOf(lp, nlp);
        assertThat(v.state()).isEqualTo(NodeState.FAILED);
        assertThat(v.reason()).isEqualTo(NodeReasons.BLOCKED);
        assertThat(v.message()).contains("loaded without a livepatch directory");
        assertThat(v.occupiesSlot()).isFalse();
    }

    @Test
    void aFailedNodeWithAnIdleKernelFreesItsSlot() {
        NodeLivePatch nlp = admittedAndEnabled();
        nlp.getStatus().getModules().set(0, new ModuleStatus("lp_fix_fix", "fix", ModuleState.Failed, "LoadFailed", "insmod failed", null));
        nlp.getStatus().getPatches().clear();

        NodeView v = viewOf(lp, nlp);
        assertThat(v.state()).isEqualTo(NodeState.FAILED);
        assertThat(v.occupiesSlot()).isFalse();
    }

    @Test
    void aNodeWhoseDaemonHasNotReportedSinceItsSpecWasWrittenIsBusyWhateverTheSpecNowSays() {
        NodeLivePatch nlp = admittedAndEnabled();
        nlp.getMetadata().setGeneration(4L); // written again; the daemon still reports generation 3
        LivePatch edited = Fixtures.livePatch("fix", spec -> spec.getModules().get(0).getSource().setSha256(Fixtures.sha('b')));

        assertThat(viewOf(edited, nlp).kernelBusy()).isTrue();
        nlp.setStatus(null); // never reported at all
        assertThat(viewOf(edited, nlp).kernelBusy()).isTrue();
    }

    @Test
    void anotherLivePatchsEntriesItsDaemonHasNotReportedOnDoNotHoldThisOnesSlot() {
        NodeLivePatch nlp = new NodeLivePatch();
        nlp.setMetadata(new ObjectMetaBuilder().withName("n1").withGeneration(2L).build());
        LivePatch other = Fixtures.livePatch("other", spec -> { });
        nlp.setSpec(new NodeLivePatchSpec(new ArrayList<>(NodeReader.desiredEntries(other, node)))); // never reported on

        NodeView v = viewOf(lp, nlp);
        assertThat(v.state()).isEqualTo(NodeState.PENDING);
        assertThat(v.occupiesSlot()).isFalse();
        assertThat(viewOf(other, nlp).kernelBusy()).isTrue();
    }

    @Test
    void aPendingNodeWithAnIdleKernelIsFree() {
        LivePatch edited = Fixtures.livePatch("fix", spec -> spec.getModules().get(0).getSource().setSha256(Fixtures.sha('b')));

        NodeView v = viewOf(edited, admittedAndEnabled());
        assertThat(v.state()).isEqualTo(NodeState.PENDING);
        assertThat(v.occupiesSlot()).isFalse();
    }

    private NodeView viewOf(LivePatch livePatch, NodeLivePatch nlp) {
        return NodeReader.forRollout(livePatch, node, nlp, new ClaimResolver.Outcome.Holds()).orElseThrow();
    }

    private static Transition transition(String patch) {
        Transition t = new Transition();
        t.setPatch(patch);
        t.setDirection(TransitionDirection.Patching);
        return t;
    }

    private NodeState stateOf(NodeLivePatch nlp) {
        return NodeReader.forRollout(lp, node, nlp, new ClaimResolver.Outcome.Holds()).orElseThrow().state();
    }

    /** The node's spec carries the LivePatch's entries and its daemon reports them Enabled, at the current generation. */
    private NodeLivePatch admittedAndEnabled() {
        return admittedAndEnabled(lp);
    }

    private NodeLivePatch admittedAndEnabled(LivePatch lp) {
        NodeLivePatch nlp = new NodeLivePatch();
        nlp.setMetadata(new ObjectMetaBuilder().withName("n1").withGeneration(3L).build());
        nlp.setSpec(new NodeLivePatchSpec(new ArrayList<>(NodeReader.desiredEntries(lp, node))));
        NodeLivePatchStatus status = new NodeLivePatchStatus();
        status.setObservedGeneration(3L);
        List<ModuleStatus> modules = new ArrayList<>();
        List<KernelPatch> patches = new ArrayList<>();
        for (var entry : nlp.getSpec().getModules()) {
            modules.add(new ModuleStatus(entry.getName(), "fix", ModuleState.Enabled, null, null, null));
            patches.add(patch(entry.getName(), true));
        }
        status.setModules(modules);
        status.setPatches(patches);
        nlp.setStatus(status);
        return nlp;
    }

    private static KernelPatch patch(String name, boolean managed) {
        KernelPatch p = new KernelPatch();
        p.setName(name);
        p.setEnabled(true);
        p.setTransition(false);
        p.setManaged(managed);
        return p;
    }
}
