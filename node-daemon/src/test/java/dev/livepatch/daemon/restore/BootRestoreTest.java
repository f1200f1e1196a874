package dev.livepatch.daemon.restore;

import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.daemon.agent.Wiring;
import dev.livepatch.daemon.converge.Converger;
import dev.livepatch.daemon.converge.ConvergerSettings;
import dev.livepatch.daemon.converge.HostState;
import dev.livepatch.daemon.converge.PassRole;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.module.CacheOnlyFetcher;
import dev.livepatch.daemon.module.CachingModuleStore;
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

import static org.assertj.core.api.Assertions.assertThat;

/** The boot restore on the simulated kernel (docs/design.md §5 rule 15). */
class BootRestoreTest {
    @TempDir
    Path root;

    private SimNode node;

    private SimNode node() {
        node = new SimNode(root, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), SimKernel.Config.debian61(),
                ConvergerSettings.defaults().withUnloadGrace(Duration.ofMinutes(5)), new MetricRegistry());
        return node;
    }

    private Path cacheDir() { return root.resolve("var/lib/livepatch-operator/modules"); }

    /** The restore's host: the simulated node's, its fetchers replaced by the cache alone. */
    private Wiring.Host restoreHost() {
        Wiring.Host sim = SimNode.host(root, node.kernel());
        return new Wiring.Host(sim.kernel(), sim.loader(), sim.kernelLog(), new CachingModuleStore(cacheDir(), List.of(new CacheOnlyFetcher(cacheDir()))),
                sim.stateStore(), sim.taint());
    }

    private BootRestore.Outcome restore() throws InterruptedException {
        Wiring.Host host = restoreHost();
        Converger c = Wiring.converger(host, node.clock(), node::sleep, ConvergerSettings.defaults(), new DaemonMetrics(), s -> { },
                PassRole.RESTORE);
        return BootRestore.run(host.stateStore(), host.kernel(), c);
    }

    private HostState records() throws Exception { return SimNode.host(root, node.kernel()).stateStore().load(); }

    private static NodeLivePatchSpec spec(NodeModule... m) { return new NodeLivePatchSpec(new ArrayList<>(List.of(m))); }

    @Test
    void afterARebootThePatchesComeBackFromTheCacheAndTheDaemonFindsThemAsItsOwn() throws Exception {
        node();
        NodeModule a = node.module("lp1", "lp_a", false, false);
        NodeModule b = node.module("lp2", "lp_b", true, false);
        node.converger().converge(spec(a, b), 7);
        node.kernel().reboot("boot-2");
        Files.delete(root.resolve(SimNode.MODULE_DIR).resolve("lp_a.ko")); // no source reachable: the cache alone has them
        Files.delete(root.resolve(SimNode.MODULE_DIR).resolve("lp_b.ko"));

        BootRestore.Outcome o = restore();

        assertThat(o.exitCode()).as(o.summary()).isZero();
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a", "lp_b");
        assertThat(o.status().getObservedGeneration()).isEqualTo(7L);
        assertThat(o.summary()).contains("restored [lp_a, lp_b]").contains("generation 7").doesNotContain("not restored");
        HostState r = records();
        assertThat(r.bootId).isEqualTo("boot-2");
        assertThat(r.managed.keySet()).containsExactly("lp_a", "lp_b");
        assertThat(r.lastConverged.bootId).isEqualTo("boot-2");

        int loads = node.kernel().transitionsStarted();
        var s = node.converger().converge(spec(a, b), 7); // the DaemonSet's daemon, once the API server answers
        assertThat(node.kernel().transitionsStarted()).as("no second load").isEqualTo(loads);
        assertThat(s.getPatches()).allSatisfy(p -> assertThat(p.getManaged()).isTrue());
        assertThat(restore().summary()).as("run again on this boot").contains("has converged already");
        assertThat(node.kernel().transitionsStarted()).isEqualTo(loads);
    }

    @Test
    void aModuleMissingFromTheCacheIsReportedNotFetchedAndTheRestGoesOn() throws Exception {
        node();
        NodeModule a = node.module("lp1", "lp_a", false, false);
        NodeModule b = node.module("lp2", "lp_b", true, false);
        node.converger().converge(spec(a, b), 1);
        node.kernel().reboot("boot-2");
        Files.delete(cacheDir().resolve(b.getSource().getSha256() + ".ko")); // lp_b's source file is still there: never read

        BootRestore.Outcome o = restore();

        assertThat(o.exitCode()).isEqualTo(3);
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a");
        assertThat(node.kernel().loadedModules()).containsExactly("lp_a");
        assertThat(cacheDir().resolve(b.getSource().getSha256() + ".ko")).doesNotExist();
        ModuleStatus mb = o.status().getModules().stream().filter(m -> m.getName().equals("lp_b")).findFirst().orElseThrow();
        assertThat(mb.getState()).isNotEqualTo(ModuleState.Enabled);
        assertThat(mb.getMessage()).contains("local module cache").contains(b.getSource().getSha256());
        assertThat(o.summary()).contains("restored [lp_a]").contains("not restored: lp_b Pending " + NodeReasons.RETRYING);
        assertThat(records().lastConverged.bootId).as("not converged on this boot: the old set stays saved").isNotEqualTo("boot-2");

        node.sleep(Duration.ofSeconds(5)); // past the retry's backoff
        var s = node.converger().converge(spec(a, b), 1); // the daemon, which can read the source, needs no new spec
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a", "lp_b");
        assertThat(s.getModules()).allSatisfy(m -> assertThat(m.getState()).isEqualTo(ModuleState.Enabled));
    }

    @Test
    void withNoSavedSetNothingIsDone() throws Exception {
        node();
        BootRestore.Outcome o = restore();

        assertThat(o.exitCode()).isZero();
        assertThat(o.status()).isNull();
        assertThat(o.summary()).contains("nothing to restore");
        assertThat(node.kernel().transitionsStarted()).isZero();
        assertThat(root.resolve("var/lib/livepatch-operator/state.json")).doesNotExist();
    }

    @Test
    void aBootTheDaemonAlreadyActsOnIsNotTakenBackToTheSavedSet() throws Exception {
        node();
        NodeModule a = node.module("lp1", "lp_a", true, false);
        NodeModule b = node.module("lp1", "lp_b", true, false);
        node.converger().converge(spec(a), 1);
        node.kernel().reboot("boot-2");
        node.converger().slice(spec(b), 2); // the daemon started first on this boot, rolling out lp_b

        BootRestore.Outcome o = restore();

        assertThat(o.exitCode()).isZero();
        assertThat(o.summary()).contains("the node daemon already acts on this boot");
        assertThat(node.kernel().loadedModules()).doesNotContain("lp_a");
    }

    @Test
    void aRestoreCutShortResumesOnTheSameBoot() throws Exception {
        node();
        NodeModule a = node.module("lp1", "lp_a", false, false);
        NodeModule b = node.module("lp2", "lp_b", false, false);
        node.converger().converge(spec(a, b), 1);
        node.kernel().reboot("boot-2");
        Path cachedB = cacheDir().resolve(b.getSource().getSha256() + ".ko");
        Path aside = root.resolve("b.ko");
        Files.move(cachedB, aside);
        assertThat(restore().exitCode()).isEqualTo(3);
        Files.move(aside, cachedB); // e.g. the init container restarted by the kubelet, the file back

        node.sleep(Duration.ofSeconds(5));
        BootRestore.Outcome o = restore();

        assertThat(o.exitCode()).as(o.summary()).isZero();
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a", "lp_b");
    }

    @Test
    void modulesOfAnotherKernelAreNotRestored() throws Exception {
        node();
        NodeModule a = node.module("lp1", "lp_a", false, false);
        node.converger().converge(spec(a), 1);
        HostState r = records();
        r.lastConverged.spec.getModules().get(0).setKernelRelease("6.1.0-40-amd64"); // the node booted a newer kernel since
        SimNode.host(root, node.kernel()).stateStore().save(r);
        node.kernel().reboot("boot-2");

        BootRestore.Outcome o = restore();

        assertThat(o.exitCode()).as(o.summary()).isZero();
        assertThat(o.summary()).contains("lp_a (built for 6.1.0-40-amd64)").contains("nothing to restore");
        assertThat(node.kernel().loadedModules()).isEmpty();
    }
}
