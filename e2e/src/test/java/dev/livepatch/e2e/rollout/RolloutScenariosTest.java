package dev.livepatch.e2e.rollout;

import static dev.livepatch.api.fixture.PatchModuleBuilder.replaceable;
import static dev.livepatch.e2e.rollout.Scenario.condition;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.fleet.FleetNode;
import dev.livepatch.fixtures.fleet.FleetSettings;
import dev.livepatch.operator.rollout.Reasons;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Rollouts against the real control plane with the operator and a simulated fleet: pacing, canaries, pauses, stalls, conflicts. */
@ClusterTest
class RolloutScenariosTest {

  @Test
  void aRolloutTo50NodesNeverExceedsMaxConcurrentAndCompletesWithExactCounts(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("wide"), 50);
      PatchModule fix = s.module("lp_wide_fix", true);
      long start = System.nanoTime();
      String lp;
      try (Sampler kernels = new Sampler(Duration.ofMillis(20), s.fleet::kernelsInTransition);
           Sampler reported = new Sampler(Duration.ofMillis(50), () -> inProgress(s, s.livePatchesCreated()))) {
        lp = s.livePatch("wide", List.of(fix), spec -> spec.getRollout().setMaxConcurrent(new IntOrString(5)));
        LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete, Duration.ofSeconds(180));

        assertThat(done.getTargetNodes()).isEqualTo(50);
        assertThat(done.getUpdatedNodes()).isEqualTo(50);
        assertThat(done.getInProgressNodes()).isZero();
        assertThat(done.getPendingNodes()).isZero();
        assertThat(done.getFailedNodes()).isZero();
        assertThat(done.getStalledNodes()).isZero();
        assertThat(done.getNotApplicableNodes()).isZero();
        assertThat(done.getSummary()).isEqualTo("50/50 updated");
        assertThat(done.getFailures()).isEmpty();
        assertThat(condition(done, "Ready").orElseThrow().getStatus()).isEqualTo("True");

        assertThat(kernels.max()).as("kernels in transition at once, %d samples", kernels.samples()).isBetween(2, 5);
        assertThat(s.watch.maxInProgress(lp)).as("nodes admitted and not updated at once, after every watch event").isBetween(2, 5);
        assertThat(reported.max()).as("status.inProgressNodes, sampled").isLessThanOrEqualTo(5);
      }
      System.out.printf("[timing] 50 nodes, maxConcurrent 5: complete in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      for (String node : nodes) {
        FleetNode n = s.fleet.node(node);
        assertThat(n.kernel().enabledPatches()).as(node).containsExactly("lp_wide_fix");
        assertThat(n.kernel().transitionsStarted()).as("transitions on %s", node).isEqualTo(1);
      }
    }
  }

  @Test
  void canariesFirstThenAPauseThenAManualPauseAndResume(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults().withLatency(Duration.ofMillis(300), Duration.ofMillis(500)))) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("canary"), 12);
      String lp = s.livePatch("canary", List.of(s.module("lp_canary_fix", true)), spec -> {
        spec.getRollout().setCanaryNodes(2);
        spec.getRollout().setMaxConcurrent(new IntOrString(1));
      });

      LivePatchStatus paused = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Paused);
      assertThat(paused.getCanary().getNodes()).containsExactly(nodes.get(0), nodes.get(1));
      assertThat(paused.getUpdatedNodes()).isEqualTo(2);
      assertThat(condition(paused, "Paused").orElseThrow().getReason()).isEqualTo(Reasons.CANARY_PAUSE);
      assertThat(s.get(lp).getSpec().getRollout().getPaused()).isTrue();
      sleep(Duration.ofSeconds(1));
      assertThat(admitted(s, lp)).as("nodes admitted while paused after the canaries").isEqualTo(2);
      nodes.subList(2, 12).forEach(n -> assertThat(s.fleet.node(n).kernel().transitionsStarted()).as(n).isZero());

      s.edit(lp, spec -> spec.getRollout().setPaused(false));
      s.awaitStatus(lp, st -> st.getUpdatedNodes() >= 5);
      s.edit(lp, spec -> spec.getRollout().setPaused(true));
      LivePatchStatus manual = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Paused && st.getInProgressNodes() == 0);
      assertThat(manual.getUpdatedNodes()).isBetween(5, 11);
      long admittedWhilePaused = admitted(s, lp);
      sleep(Duration.ofSeconds(2));
      assertThat(admitted(s, lp)).as("no node admitted while paused").isEqualTo(admittedWhilePaused);
      assertThat(status(s, lp).getUpdatedNodes()).isEqualTo(manual.getUpdatedNodes());

      s.edit(lp, spec -> spec.getRollout().setPaused(false));
      LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);
      assertThat(done.getUpdatedNodes()).isEqualTo(12);
      assertThat(s.get(lp).getSpec().getRollout().getPaused()).as("the canary pause is not set again").isFalse();
    }
  }

  @Test
  void stalledNodesSlowThePacingThenPauseTheRolloutWhichResumesAfterTheFix(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("stall"), 12);
      s.fleet.stall(nodes.get(0)); // admitted first (name order), with the next two
      s.fleet.stall(nodes.get(1));
      String lp = s.livePatch("stall", List.of(s.module("lp_stall_fix", true)), spec -> {
        spec.getRollout().setMaxConcurrent(new IntOrString(3));
        spec.getRollout().setMaxFailedNodes(new IntOrString(1));
        spec.getRollout().setStallTimeout("2s");
        spec.getRollout().setOnStall(OnStall.Wait);
      });

      LivePatchStatus stalled = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Stalled);
      assertThat(stalled.getStalledNodes()).isEqualTo(2);
      assertThat(condition(stalled, "Stalled").orElseThrow().getStatus()).isEqualTo("True");
      assertThat(condition(stalled, "Stalled").orElseThrow().getReason()).isEqualTo(Reasons.TOO_MANY_FAILURES);
      assertThat(stalled.getPacing().getConcurrency()).as("pacing slowed to one node").isEqualTo(1);
      assertThat(stalled.getPacing().getReason()).as("why the pacing slowed").isNotBlank();
      assertThat(stalled.getFailures()).extracting(f -> f.getNode()).containsExactlyInAnyOrder(nodes.get(0), nodes.get(1));
      long admittedAtPause = admitted(s, lp); // the third slot kept turning over until the two stalls were reported
      assertThat(admittedAtPause).isBetween(3L, 11L);
      var nlp = s.nodeLivePatch(nodes.get(0));
      assertThat(nlp.getStatus().getTransition().getBlockingTasks()).as("the stuck task is reported")
          .anySatisfy(t -> assertThat(t.getComm()).isEqualTo("fleet-worker"));
      sleep(Duration.ofSeconds(2));
      assertThat(admitted(s, lp)).as("nothing admitted while the rollout is paused by stalls").isEqualTo(admittedAtPause);

      s.fleet.unstall(nodes.get(0));
      s.fleet.unstall(nodes.get(1));
      LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete, Duration.ofSeconds(90));
      assertThat(done.getUpdatedNodes()).isEqualTo(12);
      assertThat(done.getStalledNodes()).isZero();
      assertThat(s.nodeLivePatch(nodes.get(0)).getStatus().getLastTransitions())
          .anySatisfy(t -> assertThat(t.getOutcome().name()).isEqualTo("CompletedAfterStall"));
    }
  }

  @Test
  void aNodeFailingItsLoadIsReportedAndTheRestCompletesWithinTheFailureBudget(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("fail"), 5);
      s.fleet.failNextLoad(nodes.get(2));
      String lp = s.livePatch("fail", List.of(s.module("lp_fail_fix", true)), spec -> {
        spec.getRollout().setMaxConcurrent(new IntOrString(2));
        spec.getRollout().setMaxFailedNodes(new IntOrString(1));
      });

      LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);
      assertThat(done.getUpdatedNodes()).isEqualTo(4);
      assertThat(done.getFailedNodes()).isEqualTo(1);
      assertThat(done.getSummary()).isEqualTo("4/5 updated, 1 failed");
      assertThat(condition(done, "Ready").orElseThrow().getStatus()).isEqualTo("False");
      assertThat(done.getFailures()).singleElement().satisfies(f -> {
        assertThat(f.getNode()).isEqualTo(nodes.get(2));
        assertThat(f.getReason()).isEqualTo("LoadFailed");
        assertThat(f.getMessage()).contains("lp_fail_fix");
      });
      assertThat(s.fleet.node(nodes.get(2)).kernel().enabledPatches()).isEmpty();
      assertThat(s.fleet.node(nodes.get(3)).kernel().enabledPatches()).containsExactly("lp_fail_fix");
    }
  }

  @Test
  void theOlderOfTwoConflictingLivePatchesKeepsTheNodes(ControlPlane cp) throws Exception {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("conflict"), 3);
      var first = replaceable("lp_shared").kernel(s.fleet.settings().kernelRelease()).from(s.fleet.moduleBuild("lp_shared", "a")).build();
      String older = s.livePatch("older", List.of(first), spec -> { });
      s.awaitStatus(older, st -> st.getPhase() == LivePatchPhase.Complete);
      sleep(Duration.ofMillis(1100)); // creationTimestamp has second resolution
      var second = replaceable("lp_shared").kernel(s.fleet.settings().kernelRelease()).from(s.fleet.moduleBuild("lp_shared", "b")).build();
      String younger = s.livePatch("younger", List.of(second), spec -> { });

      LivePatchStatus conflicting = s.awaitStatus(younger, st -> Integer.valueOf(3).equals(st.getConflictingNodes()));
      assertThat(conflicting.getFailures()).hasSize(3).allSatisfy(f -> {
        assertThat(f.getReason()).isEqualTo(Reasons.CONFLICT);
        assertThat(f.getMessage()).contains("lp_shared").contains(older);
      });
      sleep(Duration.ofSeconds(1));
      for (String node : nodes) {
        assertThat(s.nodeLivePatch(node).getSpec().getModules()).singleElement().satisfies(m -> {
          assertThat(m.getLivePatch()).isEqualTo(older);
          assertThat(m.getSource().getSha256()).isEqualTo(first.getSource().getSha256());
        });
        assertThat(s.fleet.node(node).kernel().transitionsStarted()).as(node).isEqualTo(1);
      }
      assertThat(status(s, older).getPhase()).isEqualTo(LivePatchPhase.Complete);
    }
  }

  @Test
  void kubectlGetLpShowsThePrinterColumns(ControlPlane cp) throws Exception {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      s.fleet.addNodes(ControlPlane.uniqueName("kubectl"), 2);
      String lp = s.livePatch("kubectl", List.of(s.module("lp_kubectl_fix", true)), spec -> { });
      s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);

      List<String> plain = kubectl(cp, "get", "lp", lp);
      assertThat(columns(plain.get(0))).containsExactly("NAME", "PHASE", "UPDATED", "FAILED", "AGE");
      assertThat(plain.get(1)).startsWith(lp).contains("Complete").contains("2/2 updated");
      List<String> wide = kubectl(cp, "get", "lp", lp, "-o", "wide");
      assertThat(columns(wide.get(0))).containsExactly("NAME", "PHASE", "UPDATED", "FAILED", "AGE", "TARGET", "STALLED", "PREFLIGHT", "MESSAGE");
      assertThat(wide.get(1)).contains("Complete").contains("2/2 updated");
      List<String> nodes = kubectl(cp, "get", "nlp", s.fleet.names().get(0));
      assertThat(nodes.get(1)).startsWith(s.fleet.names().get(0));
    }
  }

  // ---- helpers

  static long admitted(Scenario s, String lp) {
    return s.fleet.names().stream().map(s.fleet::nodeLivePatch)
        .filter(n -> n != null && n.getSpec() != null && n.getSpec().getModules().stream().map(NodeModule::getLivePatch).anyMatch(lp::equals))
        .count();
  }

  static LivePatchStatus status(Scenario s, String lp) {
    return s.status(lp);
  }

  static int inProgress(Scenario s, List<String> lps) {
    return lps.stream().map(s::status).filter(st -> st != null && st.getInProgressNodes() != null)
        .mapToInt(LivePatchStatus::getInProgressNodes).max().orElse(0);
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** kubectl of this machine (a real client), else the control plane's own, against the control plane's kubeconfig. */
  static List<String> kubectl(ControlPlane cp, String... args) throws IOException, InterruptedException {
    Path binary = Files.isExecutable(Path.of("/usr/bin/kubectl")) ? Path.of("/usr/bin/kubectl") : cp.kubectl();
    List<String> command = new java.util.ArrayList<>(List.of(binary.toString(), "--kubeconfig", cp.kubeconfig().toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
    System.out.print(out);
    return out.lines().toList();
  }

  static List<String> columns(String header) {
    return List.of(header.trim().split("\\s{2,}"));
  }
}
