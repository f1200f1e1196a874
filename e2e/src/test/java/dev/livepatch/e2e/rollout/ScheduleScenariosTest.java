package dev.livepatch.e2e.rollout;

import static dev.livepatch.e2e.rollout.RolloutScenariosTest.admitted;
import static dev.livepatch.e2e.rollout.RolloutScenariosTest.sleep;
import static dev.livepatch.e2e.rollout.Scenario.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.MaintenanceWindow;
import dev.livepatch.api.v1alpha1.RolloutStep;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.api.v1alpha1.Weekday;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.e2e.gitops.Kstatus;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.fleet.FleetSettings;
import dev.livepatch.operator.rollout.Reasons;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Maintenance windows, staged steps and the emergency roll-off (docs/design.md §6.6–§6.8) on the
 * real control plane with the operator and a simulated fleet, on the wall clock: a window computed
 * from now that opens during the test, steps with bake times of seconds, an emergency during a bake.
 */
@ClusterTest
class ScheduleScenariosTest {

  @Test
  void aRolloutWaitsForItsWindowAsProgressingAndStartsWhenItOpens(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      s.fleet.addNodes(ControlPlane.uniqueName("window"), 4);
      // The next whole minute, at least 15 s away, so that the operator reports the closed window first.
      ZonedDateTime opens = ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(15).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
      MaintenanceWindow window = new MaintenanceWindow(List.of(Weekday.of(opens.getDayOfWeek())),
          opens.toLocalTime().toString(), opens.plusMinutes(30).toLocalTime().toString(), "UTC");
      String lp = s.livePatch("window", List.of(s.module("lp_window_fix", true)), spec -> spec.getRollout().setWindows(List.of(window)));

      LivePatchStatus waiting = s.awaitStatus(lp, st -> st.getWindow() != null && Boolean.FALSE.equals(st.getWindow().getOpen()));
      assertThat(waiting.getPhase()).as("waiting reads as progressing, not failed").isEqualTo(LivePatchPhase.Progressing);
      assertThat(Instant.parse(waiting.getWindow().getNextOpensAt())).isEqualTo(opens.toInstant());
      assertThat(condition(waiting, "Reconciling").orElseThrow().getStatus()).isEqualTo("True");
      assertThat(condition(waiting, "Reconciling").orElseThrow().getReason()).isEqualTo(Reasons.WAITING_FOR_WINDOW);
      assertThat(condition(waiting, "Stalled").orElseThrow().getStatus()).isEqualTo("False");
      assertThat(condition(waiting, "Ready").orElseThrow().getMessage()).contains("opens at " + opens.toInstant());
      assertThat(Kstatus.build().compute(Serialization.asJson(s.get(lp))).status()).as("kstatus, as Flux reads it").isEqualTo("InProgress");

      while (Instant.now().isBefore(opens.toInstant().minusMillis(500))) {
        assertThat(admitted(s, lp)).as("nodes admitted before the window opens, at %s", Instant.now()).isZero();
        sleep(Duration.ofMillis(250));
      }
      LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete, Duration.ofSeconds(90));
      assertThat(done.getUpdatedNodes()).isEqualTo(4);
      assertThat(done.getWindow().getOpen()).isTrue();
      assertThat(Instant.parse(done.getWindow().getClosesAt())).isEqualTo(opens.plusMinutes(30).toInstant());
      s.fleet.names().forEach(n -> assertThat(finishedAt(s, n)).as("%s's transition", n).isAfterOrEqualTo(opens.toInstant()));
      await().untilAsserted(() -> assertThat(reasons(s, lp)).contains(Reasons.WAITING_FOR_WINDOW, Reasons.WINDOW_OPEN)); // events are written after the status
    }
  }

  @Test
  void stepsAdmitTheirNodesAndBakeBeforeTheNextStep(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("steps"), 6);
      Duration bake = Duration.ofSeconds(4);
      String lp = s.livePatch("steps", List.of(s.module("lp_steps_fix", true)), spec -> spec.getRollout().setSteps(List.of(
          new RolloutStep(new IntOrString(1), "4s"), new RolloutStep(new IntOrString("50%"), "4s"), new RolloutStep(new IntOrString("100%"), null))));

      LivePatchStatus first = s.awaitStatus(lp, st -> st.getStep() != null && st.getStep().getIndex() == 1 && "Baking".equals(st.getStep().getState()));
      assertThat(first.getUpdatedNodes()).isEqualTo(1);
      assertThat(admitted(s, lp)).as("the first step admits one node").isEqualTo(1);
      assertThat(condition(first, "Reconciling").orElseThrow().getReason()).isEqualTo(Reasons.BAKING);
      assertThat(Instant.parse(first.getStep().getBakeEndsAt())).isEqualTo(finishedAt(s, nodes.get(0)).plus(bake));
      sleep(Duration.ofSeconds(2));
      assertThat(admitted(s, lp)).as("nothing admitted while the first step bakes").isEqualTo(1);

      LivePatchStatus second = s.awaitStatus(lp, st -> st.getStep().getIndex() == 2 && "Baking".equals(st.getStep().getState()));
      assertThat(second.getUpdatedNodes()).isEqualTo(3);
      assertThat(second.getStep().getNodes()).isEqualTo(3);
      assertThat(admitted(s, lp)).as("50% of 6").isEqualTo(3);
      for (String n : nodes.subList(1, 3)) {
        assertThat(admittedAt(s, n)).as("%s admitted after the first bake", n).isAfterOrEqualTo(seconds(finishedAt(s, nodes.get(0)).plus(bake)));
      }

      LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);
      assertThat(done.getUpdatedNodes()).isEqualTo(6);
      assertThat(done.getStep().getState()).isEqualTo("Done");
      for (String n : nodes.subList(3, 6)) {
        assertThat(admittedAt(s, n)).as("%s admitted after the second bake", n).isAfterOrEqualTo(seconds(latestFinish(s, nodes.subList(1, 3)).plus(bake)));
      }
      await().untilAsserted(() -> assertThat(reasons(s, lp)).contains(Reasons.BAKING, Reasons.STEP_ADVANCED)); // events are written after the status
    }
  }

  @Test
  void aNodeFailingInAStepStopsTheStepsUntilItIsRetried(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("unhealthy"), 5);
      s.fleet.failNextLoad(nodes.get(1));
      String lp = s.livePatch("unhealthy", List.of(s.module("lp_unhealthy_fix", true)), spec -> {
        spec.getRollout().setMaxFailedNodes(new IntOrString(2)); // within the budget: the steps, not the budget, stop it
        spec.getRollout().setSteps(List.of(new RolloutStep(new IntOrString(1), "1s"), new RolloutStep(new IntOrString(3), "1s"),
            new RolloutStep(new IntOrString("100%"), null)));
      });

      LivePatchStatus baking = s.awaitStatus(lp, st -> st.getStep() != null && "Baking".equals(st.getStep().getState()));
      assertThat(Kstatus.build().compute(Serialization.asJson(s.get(lp))).status()).as("kstatus while baking").isEqualTo("InProgress");
      assertThat(baking.getPhase()).isEqualTo(LivePatchPhase.Progressing);

      LivePatchStatus stopped = s.awaitStatus(lp, st -> st.getStep() != null && "Unhealthy".equals(st.getStep().getState()) && st.getInProgressNodes() == 0);
      assertThat(stopped.getPhase()).isEqualTo(LivePatchPhase.Stalled);
      assertThat(stopped.getStep().getIndex()).isEqualTo(2);
      assertThat(condition(stopped, "Stalled").orElseThrow().getReason()).isEqualTo(Reasons.STEP_UNHEALTHY);
      assertThat(condition(stopped, "Stalled").orElseThrow().getMessage()).contains("step 2/3 stopped: 1 node(s) failed: " + nodes.get(1));
      long admittedWhenStopped = admitted(s, lp);
      assertThat(admittedWhenStopped).as("the second step's three nodes").isEqualTo(3);
      sleep(Duration.ofSeconds(2));
      assertThat(admitted(s, lp)).as("nothing admitted while the steps are stopped").isEqualTo(admittedWhenStopped);

      s.edit(lp, spec -> spec.getRollout().setRetryFailed("after-the-fix"));
      LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);
      assertThat(done.getUpdatedNodes()).isEqualTo(5);
      assertThat(done.getFailedNodes()).isZero();
      await().untilAsserted(() -> assertThat(reasons(s, lp)).contains(Reasons.STEP_UNHEALTHY)); // events are written after the status
    }
  }

  @Test
  void anEmergencyDuringABakeRollsOnAtOnceOutsideEveryWindowAndSaysSo(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      s.fleet.addNodes(ControlPlane.uniqueName("emergency"), 8);
      String lp = s.livePatch("emergency", List.of(s.module("lp_emergency_fix", true)), spec -> {
        spec.getRollout().setMaxConcurrent(new IntOrString(1));
        spec.getRollout().setSteps(List.of(new RolloutStep(new IntOrString(1), "1h"), new RolloutStep(new IntOrString("100%"), null)));
      });
      LivePatchStatus baking = s.awaitStatus(lp, st -> st.getStep() != null && "Baking".equals(st.getStep().getState()));
      assertThat(baking.getUpdatedNodes()).isEqualTo(1);

      // A window that is closed now and for hours: the emergency ignores it, and the bake of an hour.
      ZonedDateTime later = ZonedDateTime.now(ZoneOffset.UTC).plusHours(6);
      MaintenanceWindow closed = new MaintenanceWindow(List.of(Weekday.of(later.getDayOfWeek())), later.toLocalTime().truncatedTo(ChronoUnit.MINUTES).toString(),
          later.plusMinutes(10).toLocalTime().truncatedTo(ChronoUnit.MINUTES).toString(), "UTC");
      try (Sampler kernels = new Sampler(Duration.ofMillis(20), s.fleet::kernelsInTransition)) {
        s.edit(lp, spec -> {
          spec.getRollout().setWindows(new ArrayList<>(List.of(closed)));
          spec.getRollout().setEmergency(true);
          spec.getRollout().setEmergencyMaxConcurrent(new IntOrString(4));
        });
        LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);
        assertThat(done.getUpdatedNodes()).isEqualTo(8);
        assertThat(done.getEmergency()).isTrue();
        assertThat(done.getWindow().getOpen()).as("the window stays closed; the emergency ignored it").isFalse();
        assertThat(s.watch.maxInProgress(lp)).as("nodes admitted and not updated at once").isBetween(2, 4);
        assertThat(kernels.max()).as("kernels in transition at once").isLessThanOrEqualTo(4);
      }
      await().untilAsserted(() -> assertThat(s.client.v1().events().inNamespace("default").list().getItems())
          .filteredOn(e -> lp.equals(e.getInvolvedObject().getName()) && Reasons.EMERGENCY.equals(e.getReason()))
          .singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getMessage()).contains("up to 4 node(s) at once", "ignoring maintenance windows, steps and bake times");
          }));
    }
  }

  private static List<String> reasons(Scenario s, String lp) {
    return s.client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> lp.equals(e.getInvolvedObject().getName())).map(e -> e.getReason()).toList();
  }

  /** When the node's (only) transition finished, as its daemon reported it. */
  private static Instant finishedAt(Scenario s, String node) {
    List<TransitionRecord> records = s.nodeLivePatch(node).getStatus().getLastTransitions();
    assertThat(records).as("%s's transitions", node).isNotEmpty();
    return Instant.parse(records.get(records.size() - 1).getFinishedAt());
  }

  private static Instant latestFinish(Scenario s, List<String> nodes) {
    return nodes.stream().map(n -> finishedAt(s, n)).max(Instant::compareTo).orElseThrow();
  }

  /**
   * When the operator last applied the node's spec (its managed-fields entry; the API server keeps
   * whole seconds): a rollout writes each node's spec once, at its admission.
   */
  private static Instant admittedAt(Scenario s, String node) {
    return s.nodeLivePatch(node).getMetadata().getManagedFields().stream()
        .filter(f -> "Apply".equals(f.getOperation()) && f.getSubresource() == null && Serialization.asJson(f.getFieldsV1()).contains("f:modules"))
        .map(f -> Instant.parse(f.getTime())).findFirst().orElseThrow(() -> new AssertionError(node + " has no spec applied"));
  }

  /** {@code t} as the API server's whole seconds keep it. */
  private static Instant seconds(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS);
  }
}
