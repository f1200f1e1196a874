package dev.livepatch.e2e.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.livepatch.api.fixture.PatchModuleBuilder;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.daemon.module.CachingModuleStore;
import dev.livepatch.daemon.sim.ElfModules;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.fleet.FleetNode;
import dev.livepatch.fixtures.fleet.FleetSettings;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the simulated fleet promises the tiers built on it (the node tier puts its nodes beside a real one). */
@ClusterTest
class FleetFixtureScenariosTest {

  @Test
  void theFleetsDaemonsLoadAModuleFromAConfigMapAsTheRealDaemonDoes(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("cm"), 3);
      String ns = cp.createNamespace("fleet-cm");
      try {
        byte[] ko = ElfModules.livepatch("lp_cm_fix", s.fleet.settings().kernelRelease(), false);
        s.client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("lp-cm-fix").endMetadata()
            .withBinaryData(Map.of("module.ko", Base64.getEncoder().encodeToString(ko))).build()).create();
        ModuleSource source = ModuleSource.configMap(ns, "lp-cm-fix", "module.ko", CachingModuleStore.sha256(ko));
        String lp = s.livePatch("cm", List.of(PatchModuleBuilder.replaceable("lp_cm_fix").kernel(s.fleet.settings().kernelRelease())
            .from(source).build()), spec -> { });
        assertThat(s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete).getUpdatedNodes()).isEqualTo(3);
        for (String node : nodes) {
          assertThat(s.fleet.node(node).kernel().enabledPatches()).as(node).containsExactly("lp_cm_fix");
        }
      } finally {
        s.client.namespaces().withName(ns).delete();
      }
    }
  }

  @Test
  void aNodeAddedUnderATakenNameIsRefusedAndTheNodeThereIsUntouched(ControlPlane cp) throws Exception {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults())) {
      String name = s.fleet.addNodes(ControlPlane.uniqueName("dup"), 1).get(0);
      FleetNode node = s.fleet.node(name);
      String bootId = Files.readString(node.root().resolve("proc/sys/kernel/random/boot_id"));
      assertThatThrownBy(() -> s.fleet.addNode(name, Map.of())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(name).hasMessageContaining("nothing changed");
      assertThat(Files.readString(node.root().resolve("proc/sys/kernel/random/boot_id"))).as("the node's boot id").isEqualTo(bootId);
      assertThat(s.fleet.node(name)).isSameAs(node);
      assertThat(s.fleet.names()).containsExactly(name);
    }
  }
}
