package dev.livepatch.e2e.rollout;

import static dev.livepatch.e2e.rollout.RolloutScenariosTest.sleep;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.RemovalPolicy;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.fleet.FleetNode;
import dev.livepatch.fixtures.fleet.FleetSettings;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** A LivePatch's life after its first rollout: an upgrade of the replaceable module beside a pinned one, deletion. */
@ClusterTest
class LifecycleScenariosTest {

  @Test
  void aReplaceableUpgradeNeverUnloadsThePinnedModuleOnAnyNode(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("upgrade"), 10);
      var pinned = s.module("lp_upgrade_pin", false);
      String lp = s.livePatch("upgrade", List.of(pinned, s.module("lp_upgrade_r1", true)),
          spec -> spec.getRollout().setMaxConcurrent(new IntOrString(3)));
      s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);

      Set<String> lostInKernel = ConcurrentHashMap.newKeySet();
      Set<String> withoutCumulative = ConcurrentHashMap.newKeySet();
      try (Sampler kernels = new Sampler(Duration.ofMillis(20), () -> {
        for (FleetNode n : s.fleet.nodes()) {
          List<String> enabled = n.kernel().enabledPatches();
          if (!enabled.contains("lp_upgrade_pin")) {
            lostInKernel.add(n.name());
          }
          if (!enabled.contains("lp_upgrade_r1") && !enabled.contains("lp_upgrade_r2")) {
            withoutCumulative.add(n.name());
          }
        }
        return 0;
      })) {
        var r2 = s.module("lp_upgrade_r2", true);
        s.edit(lp, spec -> spec.setModules(new ArrayList<>(List.of(pinned, r2))));
        LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete && st.getUpdatedNodes() == 10);
        assertThat(done.getObservedGeneration()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> nodes.forEach(
            n -> assertThat(s.fleet.node(n).kernel().loadedModules()).as(n).containsExactlyInAnyOrder("lp_upgrade_pin", "lp_upgrade_r2")));
        assertThat(kernels.samples()).isPositive();
      }
      assertThat(lostInKernel).as("nodes whose kernel lost the pinned patch (sampled)").isEmpty();
      assertThat(withoutCumulative).as("nodes without either cumulative patch at some moment (sampled)").isEmpty();
      assertThat(s.watch.nodesThatLost("lp_upgrade_pin")).as("nodes whose reported status lost the pinned patch").isEmpty();
      for (String node : nodes) {
        List<NodeWatch.Seen> seen = s.watch.history(node);
        assertThat(seen).as("status versions of %s", node).hasSizeGreaterThan(3);
        boolean r1Seen = false;
        for (NodeWatch.Seen v : seen) {
          r1Seen |= v.enabled("lp_upgrade_r1");
          if (r1Seen) {
            assertThat(v.enabled("lp_upgrade_r1") || v.enabled("lp_upgrade_r2"))
                .as("%s reported a cumulative patch at every version after the first load (load before retire): %s", node, v.patches())
                .isTrue();
          }
        }
        assertThat(s.fleet.node(node).kernel().enabledPatches()).containsExactly("lp_upgrade_pin", "lp_upgrade_r2");
      }
    }
  }

  /**
   * maxConcurrent counts "nodes in a kernel transition at once" (docs/design.md §3.1), and an upgrade's
   * retirement of the old cumulative patch is a kernel transition too.
   */
  @Test
  void anUpgradeKeepsKernelTransitionsWithinMaxConcurrent(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults().withLatency(Duration.ofMillis(300), Duration.ofMillis(500)))) {
      s.fleet.addNodes(ControlPlane.uniqueName("retire"), 6);
      var pinned = s.module("lp_retire_pin", false);
      String lp = s.livePatch("retire", List.of(pinned, s.module("lp_retire_r1", true)),
          spec -> spec.getRollout().setMaxConcurrent(new IntOrString(1)));
      s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);
      var r2 = s.module("lp_retire_r2", true);
      try (Sampler kernels = new Sampler(Duration.ofMillis(10), s.fleet::kernelsInTransition)) {
        s.edit(lp, spec -> spec.setModules(new ArrayList<>(List.of(pinned, r2))));
        s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete && st.getUpdatedNodes() == 6);
        await().atMost(Duration.ofSeconds(10)).until(() -> s.fleet.kernelsInTransition() == 0);
        assertThat(kernels.max()).as("kernels in a transition at once during the upgrade (load r2, then retire r1)").isEqualTo(1);
      }
    }
  }

  @Test
  void deletionWithUnloadRollsTheModulesOffEveryNode(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("unload"), 4);
      String lp = s.livePatch("unload", List.of(s.module("lp_unload_fix", true)), spec -> {
        spec.setRemovalPolicy(RemovalPolicy.Unload);
        spec.getRollout().setMaxConcurrent(new IntOrString(2));
      });
      s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);
      assertThat(s.get(lp).getMetadata().getFinalizers()).isNotEmpty();

      s.client.resources(LivePatch.class).withName(lp).delete();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> s.get(lp) == null);
      for (String node : nodes) {
        assertThat(s.fleet.node(node).kernel().enabledPatches()).as(node).isEmpty();
        assertThat(s.nodeLivePatch(node).getSpec().getModules()).isEmpty();
        assertThat(s.nodeLivePatch(node).getSpec().getRetained()).isEmpty();
      }
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> nodes.forEach(
          n -> assertThat(s.fleet.node(n).kernel().loadedModules()).as("modules on %s after the unload grace", n).isEmpty()));
    }
  }

  @Test
  void deletionWithRetainLeavesTheKernelsPatchedAndUnmanaged(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("retain"), 3);
      String lp = s.livePatch("retain", List.of(s.module("lp_retain_fix", true)), spec -> spec.setRemovalPolicy(RemovalPolicy.Retain));
      s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);

      s.client.resources(LivePatch.class).withName(lp).delete();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> s.get(lp) == null);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> nodes.forEach(n -> {
        var nlp = s.nodeLivePatch(n);
        assertThat(nlp.getSpec().getModules()).isEmpty();
        assertThat(nlp.getStatus().getPatches()).extracting(KernelPatch::getName, KernelPatch::getManaged)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("lp_retain_fix", false));
      }));
      sleep(Duration.ofSeconds(2)); // longer than the unload grace: nothing is retired
      for (String node : nodes) {
        assertThat(s.fleet.node(node).kernel().enabledPatches()).as(node).containsExactly("lp_retain_fix");
        assertThat(s.fleet.node(node).kernel().transitionsStarted()).as(node).isEqualTo(1);
        assertThat(s.nodeLivePatch(node).getSpec().getRetained()).containsExactly("lp_retain_fix");
      }
    }
  }
}
