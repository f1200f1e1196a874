package dev.livepatch.e2e.rollout;

import static dev.livepatch.e2e.rollout.RolloutScenariosTest.admitted;
import static dev.livepatch.e2e.rollout.RolloutScenariosTest.sleep;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.fleet.FleetNode;
import dev.livepatch.fixtures.fleet.FleetSettings;
import dev.livepatch.operator.rollout.Reasons;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Crashes and churn during rollouts: the operator, a daemon, a node's kernel, nodes coming and going. */
@ClusterTest
class ResilienceScenariosTest {

  @Test
  void anOperatorKilledMidRolloutAndRestartedCompletesWithoutRedoingANode(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("restart"), 20);
      String lp = s.livePatch("restart", List.of(s.module("lp_restart_fix", true)),
          spec -> spec.getRollout().setMaxConcurrent(new IntOrString(2)));
      s.awaitStatus(lp, st -> st.getUpdatedNodes() >= 5);
      s.stopOperator();
      long admittedBefore = admitted(s, lp);
      assertThat(admittedBefore).isBetween(5L, 19L);
      sleep(Duration.ofSeconds(1));
      assertThat(admitted(s, lp)).as("nothing admitted while the operator is down").isEqualTo(admittedBefore);

      s.startOperator();
      LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete, Duration.ofSeconds(90));
      assertThat(done.getUpdatedNodes()).isEqualTo(20);
      for (String node : nodes) {
        assertThat(s.fleet.node(node).kernel().transitionsStarted()).as("kernel transitions on %s", node).isEqualTo(1);
        List<NodeWatch.Seen> seen = s.watch.history(node);
        long admissions = countAdmissions(seen, lp);
        assertThat(admissions).as("times %s was given %s's entries", node, lp).isEqualTo(1);
        assertThat(s.nodeLivePatch(node).getStatus().getLastTransitions())
            .filteredOn(t -> t.getDirection() == TransitionDirection.Patching).hasSize(1);
      }
    }
  }

  @Test
  void aDaemonKilledMidTransitionConvergesAfterItsRestart(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults().withLatency(Duration.ofMillis(1500), Duration.ofMillis(1500)))) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("kill"), 3);
      FleetNode victim = s.fleet.node(nodes.get(1));
      String lp = s.livePatch("kill", List.of(s.module("lp_kill_fix", true)), spec -> { });
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> victim.kernel().inTransition());
      victim.kill();
      assertThat(victim.kernel().inTransition()).as("the kernel's transition goes on without the daemon").isTrue();
      sleep(Duration.ofMillis(500));
      victim.startDaemon();

      LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);
      assertThat(done.getUpdatedNodes()).isEqualTo(3);
      assertThat(victim.kernel().enabledPatches()).containsExactly("lp_kill_fix");
      assertThat(victim.kernel().transitionsStarted()).as("the restarted daemon awaited the transition, it did not redo it").isEqualTo(1);
      assertThat(s.nodeLivePatch(victim.name()).getStatus().getPatches()).singleElement()
          .satisfies(p -> assertThat(p.getManaged()).as("still managed after the restart").isTrue());
    }
  }

  @Test
  void aRebootedNodeGetsItsPatchesBack(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("reboot"), 4);
      String lp = s.livePatch("reboot", List.of(s.module("lp_reboot_pin", false), s.module("lp_reboot_cum", true)), spec -> { });
      s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);
      FleetNode node = s.fleet.node(nodes.get(2));
      assertThat(node.kernel().enabledPatches()).containsExactly("lp_reboot_pin", "lp_reboot_cum");

      String bootId = s.fleet.reboot(node.name());
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_reboot_pin", "lp_reboot_cum");
        var status = s.nodeLivePatch(node.name()).getStatus();
        assertThat(status.getBootId()).isEqualTo(bootId);
        assertThat(status.getModules()).allSatisfy(m -> assertThat(m.getState().name()).isEqualTo("Enabled"));
      });
      assertThat(node.kernel().transitionsStarted()).as("two loads before the reboot, two after").isEqualTo(4);
      assertThat(s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete).getUpdatedNodes()).isEqualTo(4);
      nodes.stream().filter(n -> !n.equals(node.name()))
          .forEach(n -> assertThat(s.fleet.node(n).kernel().transitionsStarted()).as(n).isEqualTo(2));
    }
  }

  @Test
  void aNodeAddedMidRolloutGetsPatched(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults().withLatency(Duration.ofMillis(300), Duration.ofMillis(400)))) {
      String prefix = ControlPlane.uniqueName("grow");
      s.fleet.addNodes(prefix, 6);
      String lp = s.livePatch("grow", List.of(s.module("lp_grow_fix", true)),
          spec -> spec.getRollout().setMaxConcurrent(new IntOrString(1)));
      LivePatchStatus midway = s.awaitStatus(lp, st -> st.getUpdatedNodes() >= 2);
      assertThat(midway.getPhase()).isEqualTo(LivePatchPhase.Progressing);
      FleetNode late = s.fleet.addNode(prefix + "-late", Map.of());

      LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete && st.getTargetNodes() == 7);
      assertThat(done.getUpdatedNodes()).isEqualTo(7);
      assertThat(done.getSummary()).isEqualTo("7/7 updated");
      assertThat(late.kernel().enabledPatches()).containsExactly("lp_grow_fix");
    }
  }

  @Test
  void theNodeLivePatchOfADeletedNodeIsGarbageCollected(ControlPlane cp) {
    assumeThat(cp.garbageCollectorRunning()).as("kube-controller-manager's garbage collector runs").isTrue();
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("gone"), 3);
      String lp = s.livePatch("gone", List.of(s.module("lp_gone_fix", true)), spec -> { });
      s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);
      String doomed = nodes.get(1);
      var owner = s.nodeLivePatch(doomed).getMetadata().getOwnerReferences();
      assertThat(owner).singleElement().satisfies(o -> {
        assertThat(o.getKind()).isEqualTo("Node");
        assertThat(o.getName()).isEqualTo(doomed);
        assertThat(o.getUid()).isEqualTo(s.client.nodes().withName(doomed).get().getMetadata().getUid());
      });

      s.stopOperator(); // only the garbage collector may delete it now (the operator's janitor would too)
      s.fleet.deleteNode(doomed);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> s.nodeLivePatch(doomed) == null);
      Set<String> left = nodes.stream().filter(n -> s.nodeLivePatch(n) != null).collect(Collectors.toSet());
      assertThat(left).containsExactlyInAnyOrder(nodes.get(0), nodes.get(2));

      s.startOperator();
      LivePatchStatus after = s.awaitStatus(lp, st -> st.getTargetNodes() == 2);
      assertThat(after.getPhase()).isEqualTo(LivePatchPhase.Complete);
      assertThat(after.getSummary()).isEqualTo("2/2 updated");
    }
  }

  /** How many times a node's spec went from not carrying the LivePatch's entries to carrying them. */
  @Test
  void aSilentDaemonIsReportedUnresponsiveAndKeepsItsSlotUntilItReportsAgain(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults().withLatency(Duration.ofMillis(500), Duration.ofMillis(500)))) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("silent"), 3);
      FleetNode victim = s.fleet.node(nodes.stream().sorted().findFirst().orElseThrow());
      await().atMost(Duration.ofSeconds(30)).until(() -> s.nodeLivePatch(victim.name()) != null
          && s.nodeLivePatch(victim.name()).getStatus() != null);
      victim.kill();
      String lp = s.livePatch("silent", List.of(s.module("lp_silent_fix", true)), spec -> {
        spec.getRollout().setMaxConcurrent(new IntOrString(1));
        spec.getRollout().setMaxFailedNodes(new IntOrString(1));
        spec.getRollout().setProgressDeadline("3s");
      });
      LivePatchStatus unresponsive = s.awaitStatus(lp, st -> st.getFailures().stream()
          .anyMatch(f -> f.getNode().equals(victim.name()) && Reasons.NODE_UNRESPONSIVE.equals(f.getReason())));
      assertThat(unresponsive.getFailedNodes()).isEqualTo(1);
      sleep(Duration.ofSeconds(2));
      assertThat(admitted(s, lp)).as("the silent node keeps the one slot").isEqualTo(1);
      assertThat(s.fleet.kernelsInTransition()).isZero();

      victim.startDaemon();
      LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete && st.getUpdatedNodes() == 3);
      assertThat(done.getFailures()).isEmpty();
      await().untilAsserted(() -> assertThat(s.client.v1().events().inNamespace("default").list().getItems())
          .filteredOn(e -> lp.equals(e.getInvolvedObject().getName())).extracting(e -> e.getReason()).contains(Reasons.NODE_UNRESPONSIVE));
    }
  }

  @Test
  void aNewRetryFailedValueAdmitsTheFailedNodesAgain(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("retry"), 3);
      String failing = nodes.get(1);
      s.fleet.failNextLoad(failing);
      String lp = s.livePatch("retry", List.of(s.module("lp_retry_fix", true)),
          spec -> spec.getRollout().setMaxFailedNodes(new IntOrString(1)));
      s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete && st.getFailedNodes() == 1 && st.getUpdatedNodes() == 2);
      sleep(Duration.ofSeconds(1));
      assertThat(s.status(lp).getFailedNodes()).as("a failed node is not admitted again by itself").isEqualTo(1);

      s.edit(lp, spec -> spec.getRollout().setRetryFailed("first"));
      LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete && st.getUpdatedNodes() == 3);
      assertThat(done.getRetry().getToken()).isEqualTo("first");
      assertThat(s.fleet.node(failing).kernel().enabledPatches()).containsExactly("lp_retry_fix");
    }
  }

  static long countAdmissions(List<NodeWatch.Seen> seen, String lp) {
    long admissions = 0;
    boolean carried = false;
    for (NodeWatch.Seen v : seen) {
      boolean now = v.spec().stream().anyMatch(m -> lp.equals(m.getLivePatch()));
      if (now && !carried) {
        admissions++;
      }
      carried = now;
    }
    return admissions;
  }
}
