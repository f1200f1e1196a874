package dev.livepatch.operator.reconciler;

import static dev.livepatch.operator.rollout.NodeViewBuilder.node;
import static dev.livepatch.operator.rollout.PlanInputBuilder.rollout;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.MaintenanceWindow;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.api.v1alpha1.RolloutStep;
import dev.livepatch.api.v1alpha1.Weekday;
import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.NodeView;
import dev.livepatch.operator.rollout.PacingPolicy;
import dev.livepatch.operator.rollout.Plan;
import dev.livepatch.operator.rollout.Planner;
import dev.livepatch.operator.rollout.Reasons;
import dev.livepatch.operator.rollout.RolloutPolicy;
import dev.livepatch.operator.write.EventNote;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What status, conditions and events say about windows, steps and emergencies: what kstatus and Argo CD read. */
class ScheduleStatusTest {
    static final Instant MONDAY_NOON = Instant.parse("2026-05-04T12:00:00Z");
    final Planner planner = new Planner(PacingPolicy.defaults());

    @Test
    void waitingForAWindowIsProgressingWithTheNextOpening() {
        LivePatch lp = livePatch(r -> r.setWindows(List.of(new MaintenanceWindow(List.of(Weekday.Tue), "01:00", "05:00", "Europe/Berlin"))));
        Plan plan = plan(lp, pending(4), MONDAY_NOON);
        LivePatchStatus s = StatusBuilder.rollout(lp, plan, null, MONDAY_NOON);

        assertThat(plan.admit()).isEmpty();
        assertThat(s.getPhase()).isEqualTo(LivePatchPhase.Progressing);
        assertThat(s.getWindow().getOpen()).isFalse();
        assertThat(s.getWindow().getNextOpensAt()).isEqualTo("2026-05-04T23:00:00Z");
        assertThat(s.getWindow().getWindow()).isEqualTo("Tue 01:00-05:00 Europe/Berlin");
        assertThat(condition(s, "Reconciling")).extracting(Condition::getStatus, Condition::getReason).containsExactly("True", Reasons.WAITING_FOR_WINDOW);
        assertThat(condition(s, "Stalled").getStatus()).isEqualTo("False");
        assertThat(condition(s, "Ready").getMessage()).isEqualTo("0/4 updated; outside the maintenance windows: no node is admitted until"
                + " Tue 01:00-05:00 Europe/Berlin opens at 2026-05-04T23:00:00Z; transitions already running finish");
        assertThat(plan.nextCheck()).contains(Instant.parse("2026-05-04T23:00:00Z"));
        assertThat(events(lp, null, s, plan)).extracting(EventNote::reason).containsExactly(Reasons.WAITING_FOR_WINDOW);
        assertThat(events(lp, s, s, plan)).as("once per change").isEmpty();
    }

    @Test
    void bakingIsProgressingWithWhenTheBakeEnds() {
        LivePatch lp = livePatch(r -> r.setSteps(List.of(new RolloutStep(new IntOrString(1), "10m"), new RolloutStep(new IntOrString("100%"), null))));
        List<NodeView> nodes = new ArrayList<>(pending(3));
        nodes.set(0, node("node-0", NodeState.UPDATED).admittedAt(1).lastTransitionAt(MONDAY_NOON.minus(Duration.ofMinutes(4))).build());
        Plan plan = plan(lp, nodes, MONDAY_NOON);
        LivePatchStatus s = StatusBuilder.rollout(lp, plan, null, MONDAY_NOON);

        assertThat(s.getPhase()).isEqualTo(LivePatchPhase.Progressing);
        assertThat(s.getStep()).extracting(st -> st.getIndex(), st -> st.getSteps(), st -> st.getNodes(), st -> st.getState(), st -> st.getBakeEndsAt())
                .containsExactly(1, 2, 1, "Baking", "2026-05-04T12:06:00Z");
        assertThat(condition(s, "Reconciling")).extracting(Condition::getStatus, Condition::getReason).containsExactly("True", Reasons.BAKING);
        assertThat(condition(s, "Ready").getMessage()).isEqualTo("1/3 updated; step 1/2: 1 node(s) updated, baking until 2026-05-04T12:06:00Z");
        assertThat(events(lp, null, s, plan)).extracting(EventNote::reason).contains(Reasons.BAKING);
    }

    @Test
    void aFailedNodeStopsTheStepsAsStalledNamingItEvenWithinTheFailureBudget() {
        LivePatch lp = livePatch(r -> {
            r.setSteps(List.of(new RolloutStep(new IntOrString(2), "10m"), new RolloutStep(new IntOrString("100%"), null)));
            r.setMaxFailedNodes(new IntOrString(1));
        });
        List<NodeView> nodes = new ArrayList<>(pending(4));
        nodes.set(0, node("node-0", NodeState.FAILED).admittedAt(1).reason("LoadFailed", "finit_module: EINVAL").build());
        Plan plan = plan(lp, nodes, MONDAY_NOON);
        LivePatchStatus s = StatusBuilder.rollout(lp, plan, null, MONDAY_NOON);

        assertThat(plan.admit()).isEmpty();
        assertThat(s.getPhase()).isEqualTo(LivePatchPhase.Stalled);
        assertThat(s.getStep().getState()).isEqualTo("Unhealthy");
        assertThat(condition(s, "Stalled")).extracting(Condition::getStatus, Condition::getReason).containsExactly("True", Reasons.STEP_UNHEALTHY);
        assertThat(condition(s, "Stalled").getMessage()).isEqualTo("step 1/2 stopped: 1 node(s) failed: node-0 (LoadFailed: finit_module: EINVAL)."
                + " Fix the nodes or the modules, then set spec.rollout.retryFailed to a new value to admit them again");
        assertThat(events(lp, null, s, plan)).filteredOn(e -> Reasons.STEP_UNHEALTHY.equals(e.reason())).singleElement()
                .satisfies(e -> assertThat(e.warning()).isTrue());
    }

    @Test
    void anEmergencyDuringABakeAdmitsAtItsConcurrencyAndSaysSo() {
        LivePatch lp = livePatch(r -> {
            r.setSteps(List.of(new RolloutStep(new IntOrString(1), "1h"), new RolloutStep(new IntOrString("100%"), null)));
            r.setWindows(List.of(new MaintenanceWindow(List.of(Weekday.Sat), "01:00", "02:00", "UTC")));
            r.setEmergency(true);
            r.setEmergencyMaxConcurrent(new IntOrString(3));
        });
        List<NodeView> nodes = new ArrayList<>(pending(6));
        nodes.set(0, node("node-0", NodeState.UPDATED).admittedAt(1).lastTransitionAt(MONDAY_NOON.minusSeconds(60)).build());
        Plan plan = plan(lp, nodes, MONDAY_NOON);
        LivePatchStatus s = StatusBuilder.rollout(lp, plan, null, MONDAY_NOON);

        assertThat(plan.admit()).containsExactly("node-1", "node-2", "node-3");
        assertThat(s.getEmergency()).isTrue();
        assertThat(s.getWindow().getOpen()).as("the window is closed, and the emergency ignores it").isFalse();
        assertThat(s.getStep()).as("nor does a step hold it").isNull();
        assertThat(condition(s, "Reconciling").getMessage()).contains("emergency: concurrency 3, no interval, ignoring windows, steps and bake times");
        assertThat(events(lp, null, s, plan)).filteredOn(e -> Reasons.EMERGENCY.equals(e.reason())).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("up to 3 node(s) at once"));
    }

    private Plan plan(LivePatch lp, List<NodeView> nodes, Instant now) {
        return planner.plan(rollout(RolloutPolicy.from(lp.getSpec().getRollout()), nodes).at(now).build());
    }

    private static List<EventNote> events(LivePatch lp, LivePatchStatus previous, LivePatchStatus status, Plan plan) {
        return StatusEvents.rollout(lp, previous, status, plan, false);
    }

    private static List<NodeView> pending(int n) {
        return IntStream.range(0, n).mapToObj(i -> node("node-" + i, NodeState.PENDING).build()).toList();
    }

    private static LivePatch livePatch(Consumer<RolloutSpec> edit) {
        RolloutSpec r = new RolloutSpec();
        r.setInterval("0s");
        r.setMaxConcurrent(new IntOrString(2));
        edit.accept(r);
        LivePatchSpec spec = new LivePatchSpec();
        spec.setRollout(r);
        LivePatch lp = new LivePatch();
        lp.setMetadata(new ObjectMetaBuilder().withName("lp").withGeneration(1L).build());
        lp.setSpec(spec);
        return lp;
    }

    private static Condition condition(LivePatchStatus s, String type) {
        return s.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }
}
