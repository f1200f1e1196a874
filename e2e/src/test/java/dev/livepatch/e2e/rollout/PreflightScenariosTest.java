package dev.livepatch.e2e.rollout;

import static dev.livepatch.api.fixture.PatchModuleBuilder.replaceable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeFailure;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.fleet.FleetSettings;
import dev.livepatch.fixtures.fleet.SimFleet;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Preflight against the real control plane and two simulated fleets of two kernel releases: every
 * targeted node checks its module and loads nothing; one release's module is built for the other
 * kernel and is found out; after the fix, flipping preflight off rolls the LivePatch out.
 */
@ClusterTest
class PreflightScenariosTest {
  private static final String OTHER_RELEASE = "6.12.57+deb13-amd64";

  @Test
  void preflightFindsTheBadModuleOfOneKernelReleaseOfTwoAndFlippingItOffRollsOut(ControlPlane cp) {
    Map<String, String> both = Map.of("e2e.livepatch.dev/preflight", ControlPlane.uniqueName("pf"));
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults().withLabels(both));
         SimFleet other = SimFleet.start(s.client, FleetSettings.defaults().withLabels(both).withKernelRelease(OTHER_RELEASE))) {
      List<String> good = s.fleet.addNodes(ControlPlane.uniqueName("pf-a"), 2);
      List<String> bad = other.addNodes(ControlPlane.uniqueName("pf-b"), 2);
      PatchModule forDefault = s.module("lp_pf_fix", true);
      PatchModule wrongBuild = replaceable("lp_pf_fix").kernel(OTHER_RELEASE)
          .from(other.moduleBuiltFor("lp_pf_fix", FleetSettings.DEFAULT_KERNEL)).build();

      String lp = s.livePatch("preflight", List.of(forDefault, wrongBuild), spec -> {
        spec.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(both).build());
        spec.setPreflight(true);
      });

      LivePatchStatus checked = s.awaitStatus(lp, st -> st.getPreflight() != null && st.getPreflight().getPendingNodes() == 0);
      assertThat(checked.getPreflight().getReadyNodes()).isEqualTo(2);
      assertThat(checked.getPreflight().getNotReadyNodes()).isEqualTo(2);
      assertThat(checked.getPreflight().getSummary()).isEqualTo("2 ready, 2 not ready, 0 pending");
      assertThat(checked.getFailures()).extracting(NodeFailure::getNode).containsExactlyInAnyOrderElementsOf(bad);
      assertThat(checked.getFailures()).allSatisfy(f -> assertThat(f.getReason()).isEqualTo(NodeReasons.VERMAGIC_MISMATCH));
      for (String n : good) {
        assertThat(module(s, n).getReason()).as(n).isEqualTo(NodeReasons.READY_TO_APPLY);
        assertThat(s.fleet.node(n).kernel().transitionsStarted()).as("transitions on %s", n).isZero();
      }
      bad.forEach(n -> assertThat(other.node(n).kernel().transitionsStarted()).as("transitions on %s", n).isZero());

      PatchModule fixed = replaceable("lp_pf_fix").kernel(OTHER_RELEASE).from(other.module("lp_pf_fix", false)).build();
      s.edit(lp, spec -> spec.setModules(new ArrayList<>(List.of(forDefault, fixed))));
      LivePatchStatus ready = s.awaitStatus(lp, st -> st.getPreflight() != null && st.getPreflight().getReadyNodes() == 4);
      assertThat(ready.getFailures()).isEmpty();
      bad.forEach(n -> assertThat(other.node(n).kernel().loadedModules()).as(n).isEmpty());

      s.edit(lp, spec -> spec.setPreflight(false));
      LivePatchStatus done = s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete);
      assertThat(done.getUpdatedNodes()).isEqualTo(4);
      assertThat(done.getPreflight()).isNull();
      good.forEach(n -> assertThat(s.fleet.node(n).kernel().enabledPatches()).as(n).containsExactly("lp_pf_fix"));
      bad.forEach(n -> assertThat(other.node(n).kernel().enabledPatches()).as(n).containsExactly("lp_pf_fix"));
    }
  }

  private static ModuleStatus module(Scenario s, String node) {
    return s.nodeLivePatch(node).getStatus().getModules().stream().filter(m -> m.getName().equals("lp_pf_fix")).findFirst().orElseThrow();
  }
}
