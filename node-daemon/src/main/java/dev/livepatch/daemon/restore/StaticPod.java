package dev.livepatch.daemon.restore;

import dev.livepatch.daemon.config.DaemonConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kubelet static pod that runs the boot restore (docs/design.md §5 rule 15). The kubelet starts
 * static pods from its manifest directory without the API server, and runs a pod's init containers
 * again in every new pod sandbox, so after every reboot: the init container runs the daemon's image
 * with {@code --restore} (privileged, the DaemonSet's host mounts), and the one container is the pause
 * image, so no JVM idles. No service account token, no API object: a static pod can use none.
 */
public final class StaticPod {
    /** The manifest's file name in the kubelet's static pod directory. */
    public static final String FILE_NAME = "livepatch-boot-restore.yaml";
    public static final String POD_NAME = "livepatch-boot-restore";
    /** The daemon's settings the restore uses besides the paths, copied from its own environment when set. */
    static final List<String> PASSED_ENV = List.of("LOG_LEVEL", "JAVA_TOOL_OPTIONS", "MAX_MODULE_BYTES", "UNLOAD_GRACE", "HOST_LOCK_WAIT");

    private StaticPod() {}

    /** The manifest for the daemon configured by {@code c}, with the settings of {@code env} the restore shares. */
    public static String manifest(DaemonConfig c, Map<String, String> env) {
        return new KubernetesSerialization().asYaml(pod(c, env));
    }

    static Pod pod(DaemonConfig c, Map<String, String> env) {
        Path prefix = c.hostPrefix();
        Path stateDir = c.stateFile().getParent();
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        hostPath(volumes, mounts, "host-sys", "/sys", prefix.resolve("sys"), "Directory", false);
        hostPath(volumes, mounts, "host-proc", "/proc", prefix.resolve("proc"), "Directory", true);
        hostPath(volumes, mounts, "host-kmsg", "/dev/kmsg", c.kmsgPath(), "CharDevice", true);
        hostPath(volumes, mounts, "state", c.onHost(stateDir), stateDir, "DirectoryOrCreate", false);
        if (!c.moduleCacheDir().startsWith(stateDir)) {
            hostPath(volumes, mounts, "module-cache", c.onHost(c.moduleCacheDir()), c.moduleCacheDir(), "DirectoryOrCreate", false);
        }
        volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("64Mi")).endEmptyDir().build());
        mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());

        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("HOST_PREFIX", prefix.toString());
        vars.put("MODULE_CACHE_DIR", c.onHost(c.moduleCacheDir()));
        vars.put("STATE_FILE", c.onHost(c.stateFile()));
        vars.put("KMSG_PATH", c.kmsgPath().toString());
        vars.put("HTTP_PORT", "0");
        for (String k : PASSED_ENV) {
            String v = env.get(k);
            if (v != null && !v.isBlank()) vars.put(k, v);
        }
        Container restore = new ContainerBuilder().withName("restore").withImage(c.bootRestore().image()).withImagePullPolicy("IfNotPresent")
                .withArgs("--restore")
                .withEnv(vars.entrySet().stream().map(e -> new EnvVar(e.getKey(), e.getValue(), null)).toList())
                .withVolumeMounts(mounts)
                .withNewSecurityContext().withPrivileged(true).withAllowPrivilegeEscalation(true).withReadOnlyRootFilesystem(true)
                .withRunAsUser(0L).withRunAsGroup(0L).endSecurityContext()
                .build();
        Container pause = new ContainerBuilder().withName("pause").withImage(c.bootRestore().pauseImage()).withImagePullPolicy("IfNotPresent")
                .withNewResources().addToRequests("cpu", new Quantity("1m")).addToRequests("memory", new Quantity("8Mi"))
                .addToLimits("memory", new Quantity("16Mi")).endResources()
                .withNewSecurityContext().withPrivileged(false).withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withRunAsNonRoot(true).withRunAsUser(65535L).withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .build();
        return new PodBuilder()
                .withNewMetadata().withName(POD_NAME).withNamespace(c.bootRestore().namespace())
                .addToLabels("app.kubernetes.io/name", "livepatch-operator")
                .addToLabels("app.kubernetes.io/component", "boot-restore")
                .addToLabels("app.kubernetes.io/managed-by", "livepatch-node-daemon")
                .addToAnnotations("livepatch.dev/written-by", "the livepatch node daemon (nodeDaemon.bootRestore.staticPodPath); "
                        + "it restores the last converged patches at boot, before the API server answers")
                .endMetadata()
                .withNewSpec()
                .withHostNetwork(true).withAutomountServiceAccountToken(false).withEnableServiceLinks(false)
                .withPriorityClassName("system-node-critical").withRestartPolicy("Always").withTerminationGracePeriodSeconds(10L)
                .withNewSecurityContext().withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .withInitContainers(restore).withContainers(pause).withVolumes(volumes)
                .endSpec().build();
    }

    private static void hostPath(List<Volume> volumes, List<VolumeMount> mounts, String name, String hostPath, Path mountPath, String type,
                                 boolean readOnly) {
        volumes.add(new VolumeBuilder().withName(name).withNewHostPath().withPath(hostPath).withType(type).endHostPath().build());
        mounts.add(new VolumeMountBuilder().withName(name).withMountPath(mountPath.toString()).withReadOnly(readOnly ? Boolean.TRUE : null).build());
    }
}
