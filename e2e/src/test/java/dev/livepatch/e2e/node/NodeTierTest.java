package dev.livepatch.e2e.node;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import dev.livepatch.api.fixture.PatchModuleBuilder;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.e2e.bench.OperatorProcess;
import dev.livepatch.fixtures.fleet.FleetSettings;
import dev.livepatch.fixtures.fleet.SimFleet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The node tier: a real kubelet on the real bookworm kernel in QEMU, registered as a Node of the
 * host's control plane, running the chart's node-daemon DaemonSet as {@code helm install} makes
 * it, from the daemon's image tarball. What each test asserts is sampled in the guest (its
 * {@code /sys/kernel/livepatch}, {@code /proc}) and read from the API server.
 */
@Tag("node")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeTierTest {

  static final String NS = "livepatch-system";
  static final String RELEASE = "lp";
  static final String DAEMON_SA = RELEASE + "-livepatch-operator-node-daemon";
  static final String NODE = "lp-node-1";
  static final Duration NODE_READY = Duration.ofMinutes(5);
  static final Duration POD_READY = Duration.ofMinutes(6);
  static final Duration ROLLOUT = Duration.ofMinutes(5);
  static final Duration GUEST_COMMAND = Duration.ofSeconds(60);
  static final String OPERATOR_SA = RELEASE + "-livepatch-operator-operator";
  /** Simulated nodes beside the real one (their daemons in this JVM): a LivePatch rolls out over all of them. */
  static final int SIMULATED_NODES = 3;
  /**
   * The guest kubelet's static pod directory (on the persistent disk, {@code guest/node.sh}) for
   * the chart's boot restore.
   */
  static final String BOOT_RESTORE_STATIC_POD_PATH = "/var/lib/kubernetes/manifests";
  /** From the kubelet's start after a reboot to the boot restore's patches on (a JVM's start under TCG included). */
  static final Duration BOOT_RESTORE = Duration.ofMinutes(4);

  private NodeTierImage image;
  private NodeControlPlane cp;
  private KubernetesClient admin;
  private GuestNode node;
  private final Timings timings = new Timings();
  private OperatorProcess operator;
  private SimFleet fleet;
  private List<String> simulated;

  @BeforeAll
  void bootTheNode() throws IOException {
    timings.mark("tier-start");
    image = NodeTierImage.prepare();
    cp = NodeControlPlane.start(image);
    admin = cp.admin();
    cp.controlPlane().installProjectCrds();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    cp.publishRootCa(NS);
    Path daemonImage = NodeImages.daemon(image);
    Path values = image.workDir().resolve("values.yaml");
    Files.writeString(values, NodeTierValues.yaml(NodeImages.reference(daemonImage), BOOT_RESTORE_STATIC_POD_PATH,
        NodeImages.SANDBOX_REF), StandardCharsets.UTF_8);
    Release installed = new Helm(image.nodeDir().getParent().getParent().resolve("charts/livepatch-operator")).install()
        .withName(RELEASE).withNamespace(NS).withKubeConfigContents(cp.controlPlane().kubeconfigYaml())
        .withValuesFile(values).call();
    assertThat(installed.getStatus()).isEqualTo("deployed");
    // The operator on the host, as the chart's service account; simulated nodes beside the real one.
    operator = OperatorProcess.start(System.getProperty("java.class.path"), cp.controlPlane().kubeconfig(),
        Files.createDirectories(image.workDir().resolve("operator")), "256m", Map.of(
            "KUBERNETES_IMPERSONATE_USERNAME", "system:serviceaccount:" + NS + ":" + OPERATOR_SA,
            "KUBERNETES_IMPERSONATE_GROUP", "system:serviceaccounts,system:serviceaccounts:" + NS + ",system:authenticated",
            "LIVEPATCH_LEASE_NAMESPACE", NS));
    fleet = SimFleet.start(admin, FleetSettings.defaults().withKernelRelease(image.kernel().kernelRelease()).withThreads(2));
    simulated = fleet.addNodes("lp-sim", SIMULATED_NODES);
    Path kubeconfig = cp.nodeKubeconfig(NODE, "https://127.0.0.1:6443");
    timings.mark("guest-boot");
    node = GuestNode.boot(image, NODE, kubeconfig, cp.apiServerPort(), List.of(NodeImages.sandbox(image), daemonImage));
    await("node " + NODE + " Ready", NODE_READY, () -> ready(admin.nodes().withName(NODE).get()));
    timings.mark("node-ready");
  }

  @AfterAll
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
    if (operator != null) {
      operator.close();
    }
    if (node != null) {
      node.close();
    }
    if (cp != null) {
      cp.close();
    }
    timings.mark("tier-end");
    timings.write(image == null ? Path.of("target/node-tier-timings.txt") : image.workDir().resolve("timings.txt"));
  }

  @Test
  @Order(1)
  void theNodeRegistersAndTheChartsDaemonPodRunsReadyOnIt() {
    Node registered = admin.nodes().withName(NODE).get();
    assertThat(registered.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo("v" + cp.controlPlane().kubernetesVersion());
    assertThat(registered.getStatus().getNodeInfo().getKernelVersion()).isEqualTo(image.kernel().kernelRelease());
    assertThat(registered.getStatus().getNodeInfo().getContainerRuntimeVersion()).startsWith("containerd://1.6.");
    Pod pod = await("the node daemon's pod Ready on " + NODE, POD_READY, () -> daemonPod().filter(NodeTierTest::podReady));
    timings.mark("daemon-pod-ready");
    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo(DAEMON_SA);
    assertThat(node.exec("test -d /sys/kernel/livepatch && echo present", GUEST_COMMAND)).contains("present");
    // The daemon's first status: what only a process on this guest's kernel can know.
    String bootId = node.exec("cat /proc/sys/kernel/random/boot_id", GUEST_COMMAND).trim();
    NodeLivePatchStatus status = await("the daemon's status of " + NODE, POD_READY, () -> Optional.ofNullable(
        admin.resources(NodeLivePatch.class).withName(NODE).get()).map(NodeLivePatch::getStatus)
        .filter(st -> bootId.equals(st.getBootId())));
    assertThat(status.getKernelRelease()).isEqualTo(image.kernel().kernelRelease());
    timings.mark("first-status");
    recordDaemonMemory("idle");
    recordRestarts("first-boot", daemonPod().orElseThrow());
  }

  @Test
  @Order(2)
  void aLivePatchRollsOutToTheRealNodeAndTheStatusIsTheDaemonPods() throws IOException {
    daemonReady();
    LivePatch lp = new LivePatch();
    lp.setMetadata(new ObjectMetaBuilder().withName("cmdline-fix").build());
    LivePatchSpec spec = new LivePatchSpec();
    spec.setModules(List.of(PatchModuleBuilder.replaceable("lp_cmdline_v1").kernel(image.kernel().kernelRelease())
        .from(moduleConfigMap("lp_cmdline_v1")).build()));
    spec.getRollout().setInterval("1s");
    spec.getRollout().setNodeCooldown("1s");
    lp.setSpec(spec);
    admin.resource(lp).create();
    timings.mark("livepatch-created");

    NodeLivePatchStatus status = await("lp_cmdline_v1 Enabled in " + NODE + "'s status", ROLLOUT, () -> Optional
        .ofNullable(admin.resources(NodeLivePatch.class).withName(NODE).get()).map(NodeLivePatch::getStatus)
        .filter(st -> st.getModules().stream().anyMatch(m -> "lp_cmdline_v1".equals(m.getName())
            && m.getState() == ModuleState.Enabled)));
    timings.mark("livepatch-enabled");
    assertThat(node.exec("cat /sys/kernel/livepatch/lp_cmdline_v1/enabled", GUEST_COMMAND).trim()).isEqualTo("1");
    assertThat(node.exec("cat /proc/cmdline", GUEST_COMMAND)).contains("livepatched by lp_cmdline_v1");
    assertThat(status.getBootId()).isEqualTo(node.exec("cat /proc/sys/kernel/random/boot_id", GUEST_COMMAND).trim());
    assertThat(status.getModules()).extracting(ModuleStatus::getLivePatch).containsOnly("cmdline-fix");
    LivePatch done = await("LivePatch cmdline-fix Complete", ROLLOUT, () -> Optional.ofNullable(
        admin.resources(LivePatch.class).withName("cmdline-fix").get()).filter(l -> l.getStatus() != null
        && l.getStatus().getPhase() == LivePatchPhase.Complete));
    timings.mark("livepatch-complete");
    assertThat(done.getStatus().getTargetNodes()).as("the real node and the simulated ones").isEqualTo(1 + SIMULATED_NODES);
    assertThat(done.getStatus().getUpdatedNodes()).isEqualTo(1 + SIMULATED_NODES);
    for (String sim : simulated) {
      NodeLivePatchStatus simStatus = admin.resources(NodeLivePatch.class).withName(sim).get().getStatus();
      assertThat(simStatus.getModules()).as(sim).anyMatch(m -> "lp_cmdline_v1".equals(m.getName()) && m.getState() == ModuleState.Enabled);
      assertThat(simStatus.getBootId()).as("%s's status is its simulated daemon's", sim)
          .isEqualTo(admin.nodes().withName(sim).get().getStatus().getNodeInfo().getBootID()).isNotEqualTo(status.getBootId());
      assertThat(fleet.node(sim).kernel().enabledPatches()).as(sim).containsExactly("lp_cmdline_v1");
    }
    // The DaemonSet's pods keep off the simulated nodes (the values' node affinity): one pod, on the real node.
    assertThat(admin.pods().inNamespace(NS).withLabel("app.kubernetes.io/component", "node-daemon").list().getItems())
        .extracting(p -> p.getSpec().getNodeName()).containsExactly(NODE);
  }

  @Test
  @Order(3)
  void thePodsOwnTokenWritesItsNodesStatusOnlyAndNoSpecAndNoLivePatch() {
    daemonReady();
    String token = node.exec("cat /host/var/lib/kubelet/pods/" + daemonPod().orElseThrow().getMetadata().getUid()
        + "/volumes/kubernetes.io~projected/kube-api-access-*/token", GUEST_COMMAND).trim();
    String other = simulated.get(0);
    await("the operator's NodeLivePatch of " + other, ROLLOUT, () -> Optional.ofNullable(
        admin.resources(NodeLivePatch.class).withName(other).get()));
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl(admin.getMasterUrl().toString())
        .withCaCertData(Base64.getEncoder().encodeToString(cp.servingCa().getBytes(StandardCharsets.UTF_8)))
        .withOauthToken(token).build();
    try (KubernetesClient daemon = new KubernetesClientBuilder().withConfig(config).build()) {
      NodeLivePatch own = daemon.resources(NodeLivePatch.class).withName(NODE).editStatus(n -> {
        n.getStatus().setKernelRelease(n.getStatus().getKernelRelease());
        return n;
      });
      assertThat(own.getStatus().getBootId()).isNotBlank();
      KubernetesClientException elsewhere = catchThrowableOfType(KubernetesClientException.class, () -> daemon
          .resources(NodeLivePatch.class).withName(other).editStatus(n -> {
            NodeLivePatchStatus st = new NodeLivePatchStatus();
            st.setKernelRelease(image.kernel().kernelRelease());
            n.setStatus(st);
            return n;
          }));
      assertThat(elsewhere).as("writing another node's status").isNotNull();
      assertThat(elsewhere.getCode()).isEqualTo(403);
      assertThat(elsewhere.getMessage()).contains("ValidatingAdmissionPolicy");
      assertDeniedByRbac(() -> daemon.resources(NodeLivePatch.class).withName(NODE)
          .edit(n -> { n.getSpec().setRetained(List.of("lp_x")); return n; }));
      assertDeniedByRbac(() -> daemon.resource(nodeLivePatch("lp-node-new")).create());
      assertDeniedByRbac(() -> daemon.resources(LivePatch.class).withName("cmdline-fix").delete());
    }
  }

  @Test
  @Order(4)
  void theDaemonsHealthReadinessAndMetricsAnswerAsTheProbesExpect() {
    Pod pod = daemonReady();
    String ip = pod.getStatus().getPodIP();
    int port = pod.getSpec().getContainers().get(0).getReadinessProbe().getHttpGet().getPort().getIntVal() != null
        ? pod.getSpec().getContainers().get(0).getReadinessProbe().getHttpGet().getPort().getIntVal() : 8080;
    for (String path : List.of("/healthz", "/readyz")) {
      assertThat(node.exec("wget -q -O - http://" + ip + ":" + port + path + " && echo ' rc=0'", GUEST_COMMAND))
          .as(path).contains("rc=0");
    }
    String metrics = node.exec("wget -q -O - http://" + ip + ":" + port + "/metrics", GUEST_COMMAND);
    assertThat(metrics).contains("# TYPE").containsPattern("(?m)^livepatch_\\w+");
    recordDaemonMemory("after-rollout");
  }

  @Test
  @Order(5)
  void anUpgradeOfTheReplaceableModuleNeverTakesThePinnedOneOff() throws IOException {
    daemonReady();
    String release = image.kernel().kernelRelease();
    ModuleSource pinned = moduleConfigMap("lp_version_v1");
    ModuleSource v1 = moduleConfigMap("lp_cmdline_v1");
    ModuleSource v2 = moduleConfigMap("lp_cmdline_v2");
    setModules(PatchModuleBuilder.pinned("lp_version_v1").kernel(release).from(pinned).build(),
        PatchModuleBuilder.replaceable("lp_cmdline_v1").kernel(release).from(v1).build());
    awaitEnabled("lp_version_v1");
    // Sampled in the guest from before the upgrade until after it: /proc/version stays patched.
    node.exec("(while [ ! -e /tmp/stop-sampler ]; do if grep -q 'livepatched by lp_version_v1' /proc/version;"
        + " then echo pinned-on; else echo pinned-OFF; fi; grep -o 'lp_cmdline_v[0-9]' /proc/cmdline || echo cmdline-unpatched;"
        + " done > /shared/sampler.log 2>&1) > /dev/null 2>&1 &", GUEST_COMMAND);
    setModules(PatchModuleBuilder.pinned("lp_version_v1").kernel(release).from(pinned).build(),
        PatchModuleBuilder.replaceable("lp_cmdline_v2").kernel(release).from(v2).build());
    awaitEnabled("lp_cmdline_v2");
    await("lp_cmdline_v1 gone from the guest's /sys/kernel/livepatch", ROLLOUT, () -> Optional.of(
        node.exec("ls /sys/kernel/livepatch", GUEST_COMMAND)).filter(ls -> !ls.contains("lp_cmdline_v1")));
    node.exec("touch /tmp/stop-sampler; sleep 1", GUEST_COMMAND);
    List<String> samples = Files.readAllLines(node.sharedDir().resolve("sampler.log"));
    assertThat(samples).as("guest samples during the upgrade").contains("pinned-on", "lp_cmdline_v2")
        .doesNotContain("pinned-OFF");
    assertThat(node.exec("cat /proc/cmdline", GUEST_COMMAND)).contains("livepatched by lp_cmdline_v2");
    timings.figure("upgrade-samples", Integer.toString(samples.size() / 2));
  }

  @Test
  @Order(6)
  void theDaemonPodDeletedMidTransitionIsRecreatedAndConvergesWithoutASecondLoad() throws IOException {
    String oldPod = daemonReady().getMetadata().getUid();
    // lp_busy_fix_v1 patches a function of the plain module lp_busy (not a livepatch).
    String release = image.kernel().kernelRelease();
    ModuleSource fix = moduleConfigMap("lp_busy_fix_v1");
    ModuleSource pinned = moduleConfigMap("lp_version_v1");
    ModuleSource v2 = moduleConfigMap("lp_cmdline_v2");
    // lp_busy's thread sleeps inside the function the fix patches, holding the transition open.
    node.exec("insmod /lp/modules/lp_busy.ko hold=1", GUEST_COMMAND);
    admin.resources(LivePatch.class).withName("cmdline-fix").edit(l -> {
      l.getSpec().setModules(List.of(
          PatchModuleBuilder.pinned("lp_version_v1").kernel(release).from(pinned).build(),
          PatchModuleBuilder.replaceable("lp_cmdline_v2").kernel(release).from(v2).build(),
          PatchModuleBuilder.replaceable("lp_busy_fix_v1").kernel(release).from(fix).build()));
      l.getSpec().getRollout().setStallTimeout("600s");
      l.getSpec().getRollout().setOnStall(dev.livepatch.api.v1alpha1.OnStall.Wait);
      return l;
    });
    await("lp_busy_fix_v1 in transition in the guest", ROLLOUT, () -> Optional.of(node.exec(
        "cat /sys/kernel/livepatch/lp_busy_fix_v1/transition 2>/dev/null || echo absent", GUEST_COMMAND).trim())
        .filter("1"::equals));
    admin.pods().inNamespace(NS).withLabel("app.kubernetes.io/component", "node-daemon").list().getItems().stream()
        .filter(p -> oldPod.equals(p.getMetadata().getUid())).forEach(p -> admin.resource(p).delete());
    timings.mark("daemon-pod-deleted");
    Pod recreated = await("a new daemon pod Ready on " + NODE, POD_READY, () -> daemonPod()
        .filter(p -> !oldPod.equals(p.getMetadata().getUid())).filter(NodeTierTest::podReady));
    timings.mark("daemon-pod-recreated-ready");
    assertThat(node.exec("cat /sys/kernel/livepatch/lp_busy_fix_v1/transition", GUEST_COMMAND).trim())
        .as("the transition is still held when the new pod is Ready").isEqualTo("1");
    node.exec("echo 0 > /sys/module/lp_busy/parameters/hold", GUEST_COMMAND);
    awaitEnabled("lp_busy_fix_v1");
    assertThat(recreated.getSpec().getNodeName()).isEqualTo(NODE);
    assertThat(node.exec("grep -c '^lp_busy_fix_v1 ' /proc/modules", GUEST_COMMAND).trim()).isEqualTo("1");
    assertThat(node.exec("dmesg | grep -c \"enabling patch 'lp_busy_fix_v1'\"", GUEST_COMMAND).trim())
        .as("the kernel enabled lp_busy_fix_v1 once").isEqualTo("1");
    assertThat(node.exec("cat /sys/module/lp_busy/parameters/generation", GUEST_COMMAND).trim()).isEqualTo("1");
  }

  /**
   * The guest powered off and booted again on its persistent disk (containerd's root, the daemon's
   * module cache and records, the kubelet's static pod directory), the API server withheld. The
   * boot restore's static pod, which the DaemonSet's daemon wrote into that directory, is all the
   * kubelet can run without the API server: its init container converges the kernel to the last
   * set the daemon converged to, from the module cache (docs/design.md §5 rule 15). Then the API
   * server is let through, the modules' ConfigMaps deleted first: the DaemonSet's pod starts and
   * reports the new boot with the modules Enabled, and nothing is loaded a second time.
   */
  @Test
  @Order(7)
  void afterARebootThePatchesComeBackFromTheLocalCacheBeforeTheApiServerIsReachable() throws IOException {
    daemonReady();
    List<String> modules = List.of("lp_version_v1", "lp_cmdline_v2", "lp_busy_fix_v1");
    List<String> cached = List.of(sha256(Files.readAllBytes(image.kernel().module("lp_version_v1"))),
        sha256(Files.readAllBytes(image.kernel().module("lp_cmdline_v2"))),
        sha256(Files.readAllBytes(image.kernel().module("lp_busy_fix_v1"))));
    String cacheDir = "/host/var/lib/livepatch-operator/modules";
    assertThat(node.exec("ls " + cacheDir, GUEST_COMMAND)).contains(cached);
    assertThat(node.exec("ls /host" + BOOT_RESTORE_STATIC_POD_PATH, GUEST_COMMAND)).as("the boot restore's static pod, written by the daemon")
        .contains("livepatch-boot-restore.yaml");
    String oldBoot = bootId();
    timings.mark("reboot-power-off");
    node = node.rebootWithApiWithheld();
    timings.mark("reboot-guest-start");
    double kubeletAt = await("the rebooted guest's kubelet started", NODE_READY,
        () -> Optional.ofNullable(node.events().get("kubelet-started")));
    timings.mark("reboot-kubelet-started");
    String newBoot = bootId();
    assertThat(newBoot).as("a new boot id").isNotEqualTo(oldBoot);
    assertThat(node.events()).as("containerd's root kept the images").containsKey("images-kept").doesNotContainKey("images-imported");
    assertThat(node.exec("ls " + cacheDir, GUEST_COMMAND)).as("the module cache on the persistent disk").contains(cached);

    // The API server withheld: sampled in the guest until the three patches are on.
    String enabled = "for m in " + String.join(" ", modules) + "; do cat /sys/kernel/livepatch/$m/enabled 2>/dev/null || echo 0; done | tr -d '\\n'";
    await("the three patches enabled in the guest with the API server withheld", BOOT_RESTORE, () -> Optional.of(
        node.exec(enabled, GUEST_COMMAND).trim()).filter("111"::equals));
    timings.mark("reboot-restored");
    assertThat(node.exec("cat /proc/cmdline", GUEST_COMMAND)).contains("livepatched by lp_cmdline_v2");
    assertThat(node.exec("cat /proc/version", GUEST_COMMAND)).contains("livepatched by lp_version_v1");
    assertThat(Files.readString(node.sharedDir().resolve("kubelet.log"))).as("the kubelet could not reach the API server")
        .contains("Unable to register node with API server");
    String restoreLog = await("the boot restore's log in the guest", GUEST_COMMAND, () -> Optional.of(node.exec(
        "cat /host/var/log/pods/" + NS + "_livepatch-boot-restore-" + NODE + "_*/restore/*.log 2>/dev/null", GUEST_COMMAND))
        .filter(l -> l.contains("boot restore done")));
    assertThat(restoreLog).as("the static pod's restore, run by the kubelet alone").contains("exitCode=\"0\"")
        .contains("restored [" + String.join(", ", modules) + "] of the set converged");
    timings.figure("reboot-restored-while-withheld", String.format("%.1f s after the kubelet started (%.1f s after QEMU started)",
        timings.seconds("reboot-kubelet-started", "reboot-restored"), timings.seconds("reboot-guest-start", "reboot-restored")));

    for (String module : List.of("lp_version_v1", "lp_cmdline_v1", "lp_cmdline_v2", "lp_busy_fix_v1")) {
      admin.configMaps().inNamespace(NS).withName(module.replace('_', '-')).delete();
    }
    node.exec("insmod /lp/modules/lp_busy.ko", GUEST_COMMAND);
    node.allowApi();
    timings.mark("reboot-api-allowed");
    NodeLivePatchStatus status = await("the modules Enabled in " + NODE + "'s status of boot " + newBoot, POD_READY, () -> Optional
        .ofNullable(admin.resources(NodeLivePatch.class).withName(NODE).get()).map(NodeLivePatch::getStatus)
        .filter(st -> newBoot.equals(st.getBootId()))
        .filter(st -> modules.stream().allMatch(m -> st.getModules().stream()
            .anyMatch(ms -> m.equals(ms.getName()) && ms.getState() == ModuleState.Enabled))));
    timings.mark("reboot-patched");
    assertThat(status.getKernelRelease()).isEqualTo(image.kernel().kernelRelease());
    Pod afterReboot = daemonReady();
    assertThat(afterReboot.getSpec().getNodeName()).isEqualTo(NODE);
    recordRestarts("after-reboot", afterReboot);
    for (String module : modules) {
      assertThat(node.exec("cat /sys/kernel/livepatch/" + module + "/enabled", GUEST_COMMAND).trim()).as(module).isEqualTo("1");
      assertThat(node.exec("grep -c '^" + module + " ' /proc/modules", GUEST_COMMAND).trim()).as("%s in /proc/modules", module).isEqualTo("1");
      assertThat(node.exec("dmesg | grep -c \"enabling patch '" + module + "'\"", GUEST_COMMAND).trim())
          .as("the kernel enabled %s once since the boot", module).isEqualTo("1");
    }
    Pod mirror = admin.pods().inNamespace(NS).withName("livepatch-boot-restore-" + NODE).get();
    timings.figure("reboot-restore-mirror-pod", mirror == null ? "none in the API server" : mirror.getStatus().getPhase()
        + ", init container " + mirror.getStatus().getInitContainerStatuses());
    timings.figure("reboot-kubelet-uptime", kubeletAt + " s after the guest's kernel started");
    timings.figure("reboot-to-patched", String.format("%.1f s (QEMU start -> the DaemonSet pod's status Enabled; API allowed -> Enabled %.1f s)",
        timings.seconds("reboot-guest-start", "reboot-patched"), timings.seconds("reboot-api-allowed", "reboot-patched")));
  }

  private String bootId() {
    return node.exec("cat /proc/sys/kernel/random/boot_id", GUEST_COMMAND).trim();
  }

  private void setModules(PatchModule... modules) {
    admin.resources(LivePatch.class).withName("cmdline-fix").edit(l -> {
      l.getSpec().setModules(List.of(modules));
      return l;
    });
  }

  private void awaitEnabled(String module) {
    await(module + " Enabled in " + NODE + "'s status and in the guest", ROLLOUT, () -> Optional
        .ofNullable(admin.resources(NodeLivePatch.class).withName(NODE).get()).map(NodeLivePatch::getStatus)
        .filter(st -> st.getModules().stream().anyMatch(m -> module.equals(m.getName()) && m.getState() == ModuleState.Enabled))
        .filter(st -> "1".equals(node.exec("cat /sys/kernel/livepatch/" + module + "/enabled 2>/dev/null || echo 0",
            GUEST_COMMAND).trim())));
  }

  /** The test module's file in a ConfigMap of the chart's namespace (created once), as a LivePatch source. */
  private ModuleSource moduleConfigMap(String module) throws IOException {
    byte[] ko = Files.readAllBytes(image.kernel().module(module));
    String name = module.replace('_', '-');
    admin.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
        .endMetadata().withBinaryData(Map.of("module.ko", Base64.getEncoder().encodeToString(ko))).build()).serverSideApply();
    return ModuleSource.configMap(NS, name, "module.ko", sha256(ko));
  }

  private Pod daemonReady() {
    return await("the node daemon's pod Ready on " + NODE, POD_READY, () -> daemonPod().filter(NodeTierTest::podReady));
  }

  /**
   * The daemon's memory: as the kubelet reports it on its read-only port (in the guest), the
   * summary API's RSS and working set and {@code /metrics/resource}'s working set, and the JVM's
   * VmRSS in the guest's /proc.
   */
  private void recordDaemonMemory(String when) {
    GuestNode.ExecResult summary = node.tryExec("wget -q -O - http://127.0.0.1:10255/stats/summary", GUEST_COMMAND);
    if (summary.rc() == 0) {
      try {
        for (JsonNode pod : new ObjectMapper().readTree(summary.output()).path("pods")) {
          if (pod.path("podRef").path("name").asText().startsWith(RELEASE + "-livepatch-operator-node-daemon")) {
            JsonNode memory = pod.path("containers").path(0).path("memory");
            timings.figure("daemon-kubelet-" + when, memory.path("rssBytes").asLong() / (1 << 20) + " MiB RSS, working set "
                + memory.path("workingSetBytes").asLong() / (1 << 20) + " MiB");
          }
        }
      } catch (IOException e) {
        timings.figure("daemon-kubelet-" + when, "unreadable summary: " + e.getMessage());
      }
    } else {
      timings.figure("daemon-kubelet-" + when, "summary API failed: " + summary.output().trim());
    }
    GuestNode.ExecResult resource = node.tryExec("wget -q -O - http://127.0.0.1:10255/metrics/resource", GUEST_COMMAND);
    timings.figure("daemon-kubelet-metrics-" + when, resource.rc() != 0 ? "metrics/resource failed: " + resource.output().trim()
        : resource.output().lines().filter(l -> l.startsWith("container_memory_working_set_bytes{")
            && l.contains("pod=\"" + RELEASE + "-livepatch-operator-node-daemon")).map(l -> String.format("%.1f MiB working set (%s)",
            Double.parseDouble(l.split("\\s+")[1]) / (1 << 20), l.replaceAll("\\s.*", ""))).findFirst().orElse("no daemon container"));
    timings.figure("daemon-vmrss-" + when, node.tryExec("for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = java ]"
        + " && grep VmRSS $p/status; done", GUEST_COMMAND).output().trim().replaceAll("\\s+", " "));
  }

  /**
   * The daemon container's restarts as the kubelet reports them (count, last exit) and, when it
   * restarted, its earlier containers' logs copied from the guest into the shared directory.
   */
  private void recordRestarts(String when, Pod pod) {
    pod.getStatus().getContainerStatuses().stream().filter(c -> "node-daemon".equals(c.getName())).findFirst().ifPresent(c -> {
      var last = c.getLastState() == null ? null : c.getLastState().getTerminated();
      timings.figure("daemon-restarts-" + when, c.getRestartCount() + (last == null ? "" : " (last exit " + last.getExitCode() + " "
          + last.getReason() + " at " + last.getFinishedAt() + ")"));
      if (c.getRestartCount() > 0) {
        node.tryExec("mkdir -p /shared/daemon-logs-" + when + " && cp /host/var/log/pods/" + NS + "_" + pod.getMetadata().getName() + "_"
            + pod.getMetadata().getUid() + "/node-daemon/*.log /shared/daemon-logs-" + when + "/", GUEST_COMMAND);
      }
    });
  }

  private static NodeLivePatch nodeLivePatch(String name) {
    NodeLivePatch nlp = new NodeLivePatch();
    nlp.setMetadata(new ObjectMetaBuilder().withName(name).build());
    nlp.setSpec(new NodeLivePatchSpec());
    return nlp;
  }

  private static void assertDeniedByRbac(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class, call);
    assertThat(e).as("expected RBAC to deny the request").isNotNull();
    assertThat(e.getCode()).as(e.getMessage()).isEqualTo(403);
    assertThat(e.getMessage()).contains("cannot").doesNotContain("ValidatingAdmissionPolicy");
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Optional<Pod> daemonPod() {
    return admin.pods().inNamespace(NS).withLabel("app.kubernetes.io/component", "node-daemon").list().getItems().stream()
        .filter(p -> NODE.equals(p.getSpec().getNodeName())).findFirst();
  }

  private static boolean podReady(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static Optional<Node> ready(Node n) {
    return Optional.ofNullable(n).filter(x -> x.getStatus() != null && x.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())));
  }

  /** Polls {@code probe} until it gives a value; fails after {@code limit} with the guest's and the cluster's state. */
  private <T> T await(String what, Duration limit, Supplier<Optional<T>> probe) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      Optional<T> value = probe.get();
      if (value.isPresent()) {
        return value.get();
      }
      if (System.nanoTime() > deadline || (node != null && !node.running())) {
        throw new AssertionError("failed to see " + what + " within " + limit + (node != null && !node.running()
            ? " (the guest stopped)" : "") + "\n" + NodeTierDiagnostics.of(admin, NS, NODE) + "\n"
            + (node == null ? "" : node.diagnostics()));
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
  }
}
