package dev.livepatch.daemon.restore;

import dev.livepatch.daemon.config.DaemonConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The boot restore's static pod (docs/design.md §5 rule 15): the manifest and the file the kubelet reads. */
class StaticPodTest {
    private static final Map<String, String> CHART_ENV = Map.of(
            "HOST_PREFIX", "/host", "MODULE_CACHE_DIR", "/var/lib/livepatch-operator/modules", "STATE_FILE", "/var/lib/livepatch-operator/state.json",
            "KMSG_PATH", "/host/dev/kmsg", "BOOT_RESTORE_STATIC_POD_DIR", "/etc/kubernetes/manifests",
            "BOOT_RESTORE_IMAGE", "registry.example/livepatch-node-daemon@sha256:" + "a".repeat(64), "POD_NAMESPACE", "livepatch-system",
            "LOG_LEVEL", "DEBUG", "JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75", "NODE_NAME", "n1");

    @TempDir
    Path host;

    private static Pod parse(String yaml) { return new KubernetesSerialization().unmarshal(yaml, Pod.class); }

    private static Map<String, String> env(Container c) {
        return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    private static Map<String, String> mounts(Container c) {
        return c.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getMountPath, VolumeMount::getName));
    }

    private static Map<String, String> hostPaths(Pod p) {
        return p.getSpec().getVolumes().stream().filter(v -> v.getHostPath() != null)
                .collect(Collectors.toMap(Volume::getName, v -> v.getHostPath().getPath()));
    }

    @Test
    void theManifestIsAStaticPodWhoseInitContainerRestoresWithTheDaemonsMountsAndWhoseContainerIsPause() {
        Pod p = parse(StaticPod.manifest(DaemonConfig.fromEnv(CHART_ENV), CHART_ENV));

        assertThat(p.getKind()).isEqualTo("Pod");
        assertThat(p.getMetadata().getName()).isEqualTo("livepatch-boot-restore");
        assertThat(p.getMetadata().getNamespace()).isEqualTo("livepatch-system");
        assertThat(p.getSpec().getHostNetwork()).isTrue();
        assertThat(p.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(p.getSpec().getServiceAccountName()).isNull();
        assertThat(p.getSpec().getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(p.getSpec().getRestartPolicy()).isEqualTo("Always");

        Container restore = p.getSpec().getInitContainers().get(0);
        assertThat(p.getSpec().getInitContainers()).hasSize(1);
        assertThat(restore.getImage()).isEqualTo(CHART_ENV.get("BOOT_RESTORE_IMAGE"));
        assertThat(restore.getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(restore.getArgs()).containsExactly("--restore");
        assertThat(restore.getCommand()).as("the image's own entrypoint, Main").isEmpty();
        assertThat(restore.getSecurityContext().getPrivileged()).isTrue();
        assertThat(restore.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(mounts(restore)).containsEntry("/host/sys", "host-sys").containsEntry("/host/proc", "host-proc")
                .containsEntry("/host/dev/kmsg", "host-kmsg").containsEntry("/host/var/lib/livepatch-operator", "state").containsEntry("/tmp", "tmp")
                .hasSize(5);
        assertThat(restore.getVolumeMounts()).filteredOn(m -> m.getName().equals("host-proc")).singleElement()
                .satisfies(m -> assertThat(m.getReadOnly()).isTrue());
        assertThat(hostPaths(p)).containsExactlyInAnyOrderEntriesOf(Map.of("host-sys", "/sys", "host-proc", "/proc", "host-kmsg", "/dev/kmsg",
                "state", "/var/lib/livepatch-operator"));
        assertThat(env(restore)).containsEntry("HOST_PREFIX", "/host").containsEntry("STATE_FILE", "/var/lib/livepatch-operator/state.json")
                .containsEntry("MODULE_CACHE_DIR", "/var/lib/livepatch-operator/modules").containsEntry("KMSG_PATH", "/host/dev/kmsg")
                .containsEntry("HTTP_PORT", "0").containsEntry("LOG_LEVEL", "DEBUG").containsEntry("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75")
                .doesNotContainKeys("NODE_NAME", "BOOT_RESTORE_STATIC_POD_DIR");
        DaemonConfig inThePod = DaemonConfig.fromEnv(env(restore));
        assertThat(inThePod.stateFile()).as("the restore reads the daemon's records").isEqualTo(DaemonConfig.fromEnv(CHART_ENV).stateFile());
        assertThat(inThePod.moduleCacheDir()).isEqualTo(DaemonConfig.fromEnv(CHART_ENV).moduleCacheDir());
        assertThat(inThePod.bootRestore().enabled()).as("the restore pod writes no static pod").isFalse();

        assertThat(p.getSpec().getContainers()).singleElement().satisfies(pause -> {
            assertThat(pause.getImage()).isEqualTo("registry.k8s.io/pause:3.10");
            assertThat(pause.getSecurityContext().getPrivileged()).isFalse();
            assertThat(pause.getVolumeMounts()).isEmpty();
        });
    }

    @Test
    void aModuleCacheOutsideTheStateDirIsMountedToo() {
        Map<String, String> env = new java.util.HashMap<>(CHART_ENV);
        env.put("MODULE_CACHE_DIR", "/srv/livepatch-cache");
        env.put("BOOT_RESTORE_PAUSE_IMAGE", "mirror.example/pause:3.9");
        Pod p = parse(StaticPod.manifest(DaemonConfig.fromEnv(env), env));

        assertThat(hostPaths(p)).containsEntry("module-cache", "/srv/livepatch-cache");
        assertThat(mounts(p.getSpec().getInitContainers().get(0))).containsEntry("/host/srv/livepatch-cache", "module-cache");
        assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo("mirror.example/pause:3.9");
    }

    @Test
    void aStaticPodDirWithoutTheImageIsABadConfiguration() {
        assertThatThrownBy(() -> DaemonConfig.fromEnv(Map.of("BOOT_RESTORE_STATIC_POD_DIR", "/etc/kubernetes/manifests")))
                .hasMessageContaining("BOOT_RESTORE_IMAGE");
        assertThatThrownBy(() -> DaemonConfig.fromEnv(Map.of("BOOT_RESTORE_STATIC_POD_DIR", "manifests", "BOOT_RESTORE_IMAGE", "x")))
                .hasMessageContaining("BOOT_RESTORE_STATIC_POD_DIR=manifests");
        assertThat(DaemonConfig.fromEnv(Map.of()).bootRestore().enabled()).isFalse();
    }

    @Test
    void theFileIsWrittenWholeAndOnlyWhenItsContentChanged() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(CHART_ENV);
        env.put("HOST_PREFIX", host.toString());
        Path dir = host.resolve("etc/kubernetes/manifests");
        assertThatThrownBy(() -> StaticPodFile.write(DaemonConfig.fromEnv(env), env)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("staticPodPath");
        Files.createDirectories(dir);

        Path file = StaticPodFile.write(DaemonConfig.fromEnv(env), env);
        assertThat(file).isEqualTo(dir.resolve("livepatch-boot-restore.yaml"));
        assertThat(parse(Files.readString(file)).getSpec().getInitContainers().get(0).getArgs()).containsExactly("--restore");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
        assertThat(Files.list(dir)).as("no temp file left, none the kubelet would read").containsExactly(file);

        FileTime old = FileTime.from(Instant.parse("2026-01-01T00:00:00Z"));
        Files.setLastModifiedTime(file, old);
        assertThat(StaticPodFile.write(DaemonConfig.fromEnv(env), env)).as("unchanged: not written").isNull();
        assertThat(Files.getLastModifiedTime(file)).isEqualTo(old);

        env.put("BOOT_RESTORE_IMAGE", "registry.example/livepatch-node-daemon:0.2.0");
        assertThat(StaticPodFile.write(DaemonConfig.fromEnv(env), env)).isEqualTo(file);
        assertThat(Files.readString(file)).contains("livepatch-node-daemon:0.2.0");

        env.remove("BOOT_RESTORE_STATIC_POD_DIR");
        assertThat(StaticPodFile.write(DaemonConfig.fromEnv(env), env)).as("off: nothing written").isNull();
    }
}
