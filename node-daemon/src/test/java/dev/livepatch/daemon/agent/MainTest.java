package dev.livepatch.daemon.agent;

import dev.livepatch.api.fixture.NodeModuleBuilder;
import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.daemon.Main;
import dev.livepatch.daemon.config.DaemonConfig;
import dev.livepatch.daemon.sim.ElfModules;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MainTest {
    @TempDir
    Path host;

    private final KubernetesSerialization json = new KubernetesSerialization();

    @Test
    void configHasDefaultsAndReportsEveryBadValue() {
        DaemonConfig c = DaemonConfig.fromEnv(Map.of("NODE_NAME", "n1"));
        assertThat(c.hostPrefix()).isEqualTo(Path.of("/host"));
        assertThat(c.moduleCacheDir()).isEqualTo(Path.of("/host/var/lib/livepatch-operator/modules"));
        assertThat(c.unloadGrace()).isEqualTo(Duration.ofMinutes(5));
        assertThat(DaemonConfig.fromEnv(Map.of("HOST_PREFIX", "/")).stateFile()).isEqualTo(Path.of("/var/lib/livepatch-operator/state.json"));
        assertThatThrownBy(() -> DaemonConfig.fromEnv(Map.of("UNLOAD_GRACE", "5 minutes", "HTTP_PORT", "-1")))
                .hasMessageContaining("UNLOAD_GRACE").hasMessageContaining("HTTP_PORT");
        assertThat(DaemonConfig.KEYS.values()).allSatisfy(k -> assertThat(k.description()).isNotBlank());
    }

    /** A host tree with an empty livepatch sysfs, Debian 6.1's release and boot id b1. */
    private void fakeHost() throws java.io.IOException {
        Files.createDirectories(host.resolve("sys/kernel/livepatch"));
        Files.createDirectories(host.resolve("proc/sys/kernel/random"));
        Files.writeString(host.resolve("proc/sys/kernel/osrelease"), "6.1.0-56-amd64\n");
        Files.writeString(host.resolve("proc/sys/kernel/random/boot_id"), "b1\n");
        Files.writeString(host.resolve("proc/modules"), "");
    }

    @Test
    void oneShotConvergesAFakeKernelAndWritesTheStatus() throws Exception {
        fakeHost();
        Files.createDirectories(host.resolve("opt"));
        Files.write(host.resolve("opt/lp_a.ko"), ElfModules.livepatch("lp_a", "6.12.0-1-amd64", false));
        NodeModule m = NodeModuleBuilder.pinned("lp_a").of("lp1").kernel("6.1.0-56-amd64")
                .from(ModuleSource.hostPath("/opt/lp_a.ko", dev.livepatch.daemon.module.CachingModuleStore.sha256(Files.readAllBytes(host.resolve("opt/lp_a.ko"))))).build();
        Path specFile = host.resolve("spec.json");
        Path statusFile = host.resolve("status.json");
        DaemonConfig config = DaemonConfig.fromEnv(Map.of("HOST_PREFIX", host.toString(), "KMSG_PATH", host.resolve("none").toString()));

        Files.writeString(specFile, json.asJson(new NodeLivePatchSpec(List.of())));
        assertThat(Main.once(config, Map.of("--spec-file", specFile.toString(), "--status-file", statusFile.toString()))).isZero();
        NodeLivePatchStatus s = json.unmarshal(Files.readString(statusFile), NodeLivePatchStatus.class);
        assertThat(s.getKernelRelease()).isEqualTo("6.1.0-56-amd64");
        assertThat(s.getBootId()).isEqualTo("b1");

        Files.writeString(specFile, json.asJson(new NodeLivePatchSpec(List.of(m))));
        assertThat(Main.once(config, Map.of("--spec-file", specFile.toString(), "--status-file", statusFile.toString(), "--generation", "7"))).isEqualTo(3);
        s = json.unmarshal(Files.readString(statusFile), NodeLivePatchStatus.class);
        assertThat(s.getObservedGeneration()).isEqualTo(7L);
        assertThat(s.getModules()).singleElement().satisfies(ms -> assertThat(ms.getReason()).isEqualTo(NodeReasons.VERMAGIC_MISMATCH));
    }

    @Test
    void restoreModeAppliesTheSavedSetFromTheCacheAloneAndSaysWhatItCouldNot() throws Exception {
        fakeHost();
        DaemonConfig config = DaemonConfig.fromEnv(Map.of("HOST_PREFIX", host.toString(), "KMSG_PATH", host.resolve("none").toString()));
        Path statusFile = host.resolve("status.json");
        Path stateFile = host.resolve("var/lib/livepatch-operator/state.json");

        assertThat(Main.restore(config, Map.of("--status-file", statusFile.toString()))).as("nothing saved: nothing to do").isZero();
        assertThat(statusFile).doesNotExist();
        assertThat(stateFile).doesNotExist();

        Path specFile = host.resolve("spec.json");
        Files.writeString(specFile, json.asJson(new NodeLivePatchSpec(List.of())));
        assertThat(Main.once(config, Map.of("--spec-file", specFile.toString(), "--status-file", statusFile.toString(), "--generation", "4"))).isZero();
        assertThat(Files.readString(stateFile)).as("one-shot mode saves the converged (empty) set").contains("\"lastConverged\"");
        Files.writeString(host.resolve("proc/sys/kernel/random/boot_id"), "b2\n");
        assertThat(Main.restore(config, Map.of())).as("an empty set: nothing to restore").isZero();

        // A saved set whose module file the cache lacks (its url unreachable anyway: no network is used).
        NodeModule m = NodeModuleBuilder.pinned("lp_a").of("lp1").kernel("6.1.0-56-amd64")
                .from(ModuleSource.url("https://modules.invalid/lp_a.ko", "b".repeat(64))).build();
        String state = Files.readString(stateFile).replace("\"modules\" : [ ]", "\"modules\" : [ " + json.asJson(m) + " ]");
        assertThat(state).contains("lp_a");
        Files.writeString(stateFile, state);
        Files.writeString(host.resolve("proc/sys/kernel/random/boot_id"), "b3\n");

        assertThat(Main.restore(config, Map.of("--status-file", statusFile.toString()))).isEqualTo(3);
        NodeLivePatchStatus s = json.unmarshal(Files.readString(statusFile), NodeLivePatchStatus.class);
        assertThat(s.getBootId()).isEqualTo("b3");
        assertThat(s.getObservedGeneration()).isEqualTo(4L);
        assertThat(s.getModules()).singleElement().satisfies(ms -> {
            assertThat(ms.getReason()).isEqualTo(NodeReasons.RETRYING);
            assertThat(ms.getMessage()).contains("local module cache").contains("b".repeat(64)).doesNotContain("modules.invalid:");
        });
    }

    @Test
    void argumentsAreStrict() {
        assertThat(Main.parseArgs(new String[] {"--restore"})).containsOnlyKeys("--restore");
        assertThat(Main.parseArgs(new String[] {"--restore", "--status-file", "s", "--host-prefix", "/"})).containsKeys("--restore", "--status-file");
        assertThatThrownBy(() -> Main.parseArgs(new String[] {"--restore", "--spec-file", "a"})).hasMessageContaining("--restore takes no --spec-file");
        assertThatThrownBy(() -> Main.parseArgs(new String[] {"--restore", "--once", "--spec-file", "a", "--status-file", "b"}))
                .hasMessageContaining("exclude each other");
        assertThatThrownBy(() -> Main.parseArgs(new String[] {"--status-file", "b"})).hasMessageContaining("need --once");
        assertThat(Main.parseArgs(new String[] {"--host-prefix", "/"})).containsOnlyKeys("--host-prefix");
        assertThatThrownBy(() -> Main.parseArgs(new String[] {"--once"})).hasMessageContaining("--spec-file");
        assertThatThrownBy(() -> Main.parseArgs(new String[] {"--bogus"})).hasMessageContaining("unknown argument");
        assertThat(Main.parseArgs(new String[] {"--once", "--spec-file", "a", "--status-file", "b"})).containsKeys("--once", "--spec-file");
    }
}
