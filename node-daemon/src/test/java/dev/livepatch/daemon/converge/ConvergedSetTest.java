package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.HealthGates;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.OnUnhealthy;
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

import static dev.livepatch.daemon.converge.Statuses.spec;
import static org.assertj.core.api.Assertions.assertThat;

/** The last converged set in the host records (docs/design.md §5 rule 15): what the boot restore applies. */
class ConvergedSetTest {
    @TempDir
    Path root;

    private SimNode node() {
        return new SimNode(root, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), SimKernel.Config.debian61(),
                ConvergerSettings.defaults().withUnloadGrace(Duration.ofMinutes(5)), new MetricRegistry());
    }

    private HostState records() throws StateFileException {
        return new HostStateStore(root.resolve("var/lib/livepatch-operator/state.json")).load();
    }

    @Test
    void aSetIsSavedOnlyOnceTheNodeIsReadyWithItsSpecGenerationAndBoot() throws Exception {
        SimNode node = node();
        NodeModule a = node.module("lp1", "lp_a", false, false);
        NodeModule wrongKernel = node.module("lp1", "lp_x", true, false, ElfModules.livepatch("lp_x", "6.12.0-1-amd64", false));
        Converger daemon = node.converger();

        daemon.converge(spec(a, wrongKernel), 4);
        assertThat(records().lastConverged).as("lp_x failed: the node is not Ready").isNull();

        daemon.converge(spec(a), 5);
        ConvergedSet saved = records().lastConverged;
        assertThat(saved.spec.getModules()).extracting(NodeModule::getName).containsExactly("lp_a");
        assertThat(saved.spec.getModules().get(0).getSource().getSha256()).isEqualTo(a.getSource().getSha256());
        assertThat(saved.generation).isEqualTo(5);
        assertThat(saved.bootId).isEqualTo(records().bootId);
        assertThat(saved.kernelRelease).isEqualTo("6.1.0-56-amd64");

        Instant at = Instant.parse(saved.at);
        node.sleep(Duration.ofMinutes(1));
        daemon.converge(spec(a), 5);
        assertThat(records().lastConverged.at).as("the same set is not written again").isEqualTo(at.toString());
    }

    @Test
    void anEmptyConvergedSpecSavesAnEmptySet() throws Exception {
        SimNode node = node();
        NodeModule a = node.module("lp1", "lp_a", true, false);
        Converger daemon = node.converger();
        daemon.converge(spec(a), 1);
        assertThat(records().lastConverged.spec.getModules()).hasSize(1);

        daemon.converge(spec(), 2); // the LivePatch deleted: its patch retired
        assertThat(node.kernel().enabledPatches()).isEmpty();
        assertThat(records().lastConverged.spec.getModules()).isEmpty();
        assertThat(records().lastConverged.generation).isEqualTo(2);
    }

    @Test
    void aNewBootDropsTheManagedRecordsButKeepsTheConvergedSetAndItsCachedFiles() throws Exception {
        SimNode node = node();
        NodeModule a = node.module("lp1", "lp_a", false, false);
        node.converger().converge(spec(a), 1);
        String firstBoot = records().bootId;

        node.kernel().reboot("boot-2");
        NodeModule wrongKernel = node.module("lp2", "lp_x", true, false, ElfModules.livepatch("lp_x", "6.12.0-1-amd64", false));
        Path cached = root.resolve("var/lib/livepatch-operator/modules").resolve(a.getSource().getSha256() + ".ko");
        Files.setLastModifiedTime(cached, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofHours(1)))); // past the prune grace
        node.converger().converge(spec(wrongKernel), 2); // a spec that does not converge, lp_a not in it

        HostState r = records();
        assertThat(r.bootId).isEqualTo("boot-2");
        assertThat(r.managed).isEmpty();
        assertThat(r.lastConverged.bootId).isEqualTo(firstBoot);
        assertThat(r.lastConverged.spec.getModules()).extracting(NodeModule::getName).containsExactly("lp_a");
        assertThat(cached).as("the cache keeps the files of the converged set for the restore").exists();
    }

    @Test
    void aSetStillBakingIsNotSavedUntilItsGatesPassed() throws Exception {
        SimNode node = node();
        NodeModule a = node.module("lp1", "lp_a", true, false);
        a.setHealthGates(new HealthGates("60s", OnUnhealthy.Revert));
        Converger daemon = node.converger();

        daemon.slice(spec(a), 1);
        for (int i = 0; i < 5 && !node.kernel().enabledPatches().contains("lp_a"); i++) {
            node.sleep(Duration.ofSeconds(1));
            daemon.slice(spec(a), 1);
        }
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a");
        assertThat(records().lastConverged).as("enabled, baking: not proven yet").isNull();

        daemon.converge(spec(a), 1); // waits out the bake
        assertThat(records().lastConverged.spec.getModules()).extracting(NodeModule::getName).containsExactly("lp_a");
        assertThat(Files.exists(root.resolve("var/lib/livepatch-operator/lock"))).isTrue();
    }
}
