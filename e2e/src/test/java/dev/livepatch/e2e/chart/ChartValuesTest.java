package dev.livepatch.e2e.chart;

import static dev.livepatch.e2e.chart.ChartDefaultsTest.env;
import static dev.livepatch.e2e.chart.ChartDefaultsTest.mounts;
import static dev.livepatch.e2e.chart.ChartUnderTest.DAEMON;
import static dev.livepatch.e2e.chart.ChartUnderTest.FULLNAME;
import static dev.livepatch.e2e.chart.ChartUnderTest.NAMESPACE;
import static dev.livepatch.e2e.chart.ChartUnderTest.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The chart rendered with values other than the defaults, and values the schema rejects. */
class ChartValuesTest {

  private static final List<String> CLUSTER_SCOPED = List.of("ClusterRole", "ClusterRoleBinding", "PriorityClass",
      "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "Namespace");

  @Test
  void namespaceOverrideMovesEveryNamespacedObjectAndTheIdentitiesThatNameIt() {
    ChartUnderTest.Rendered r = ChartUnderTest.render("""
        namespaceOverride: kernel-ops
        namespace:
          create: true
        """, "default");
    assertThat(r.objects()).filteredOn(o -> !CLUSTER_SCOPED.contains(o.getKind()))
        .filteredOn(o -> !o.getMetadata().getName().equals(OPERATOR + "-events")).isNotEmpty()
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).as(o.getKind() + "/" + o.getMetadata().getName())
            .isEqualTo("kernel-ops"));
    assertThat(r.all(ClusterRoleBinding.class)).flatExtracting(ClusterRoleBinding::getSubjects)
        .allSatisfy(s -> assertThat(s.getNamespace()).isEqualTo("kernel-ops"));
    assertThat(r.all(RoleBinding.class)).flatExtracting(RoleBinding::getSubjects)
        .allSatisfy(s -> assertThat(s.getNamespace()).isEqualTo("kernel-ops"));
    assertThat(r.one(ValidatingAdmissionPolicy.class, DAEMON + "-own-node").getSpec().getMatchConditions().get(0)
        .getExpression()).isEqualTo("request.userInfo.username == 'system:serviceaccount:kernel-ops:" + DAEMON + "'");
    // The daemon's ConfigMap sources default to the chart's namespace, wherever that is.
    assertThat(r.one(Role.class, DAEMON + "-module-sources").getMetadata().getNamespace()).isEqualTo("kernel-ops");

    Namespace ns = r.one(Namespace.class, "kernel-ops");
    assertThat(ns.getMetadata().getLabels()).containsEntry("pod-security.kubernetes.io/enforce", "privileged");
  }

  @Test
  void monitoringRendersServiceMonitorsForBothComponentsAndAlertsOnTheirJobs() {
    ChartUnderTest.Rendered r = ChartUnderTest.render("""
        monitoring:
          serviceMonitor:
            enabled: true
            labels: {release: kube-prometheus-stack}
          prometheusRule:
            enabled: true
        """);
    List<GenericKubernetesResource> monitors = r.generic("ServiceMonitor");
    assertThat(monitors).extracting(m -> m.getMetadata().getName())
        .containsExactlyInAnyOrder(FULLNAME + "-operator", FULLNAME + "-node-daemon");
    for (GenericKubernetesResource m : monitors) {
      assertThat(m.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
      assertThat(m.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
      Map<String, String> selector = m.get("spec", "selector", "matchLabels");
      Service service = r.all(Service.class).stream()
          .filter(s -> s.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())).findFirst().orElseThrow();
      assertThat(service.getSpec().getPorts()).extracting(p -> p.getName()).contains("metrics");
      List<Map<String, Object>> endpoints = m.get("spec", "endpoints");
      assertThat(endpoints).singleElement().satisfies(e -> assertThat(e).containsEntry("port", "metrics"));
    }

    GenericKubernetesResource rule = r.generic("PrometheusRule").get(0);
    List<Map<String, Object>> groups = rule.get("spec", "groups");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> rules = (List<Map<String, Object>>) groups.get(0).get("rules");
    Map<String, String> exprs = rules.stream().collect(Collectors.toMap(x -> (String) x.get("alert"), x -> (String) x.get("expr")));
    assertThat(exprs).containsOnlyKeys("LivePatchOperatorDown", "LivePatchNodeDaemonUnavailable",
        "LivePatchNodeDaemonScrapeFailing");
    // The scrape job of a ServiceMonitor target is its Service's name.
    assertThat(exprs.get("LivePatchOperatorDown")).contains("job=\"" + OPERATOR + "-metrics\"");
    assertThat(exprs.get("LivePatchNodeDaemonScrapeFailing")).contains("job=\"" + DAEMON + "-metrics\"");
    assertThat(exprs.get("LivePatchNodeDaemonUnavailable")).contains("daemonset=\"" + DAEMON + "\"");
    assertThat(r.manifest()).contains("{{ $value }}", "{{ $labels.node }}");
  }

  @Test
  void daemonTolerationsAndNodeSelectorAreTheOnesGiven() {
    ChartUnderTest.Rendered r = ChartUnderTest.render("""
        nodeDaemon:
          nodeSelector:
            kubernetes.io/os: linux
            livepatch.dev/enabled: "true"
          tolerations:
            - key: dedicated
              operator: Equal
              value: gpu
              effect: NoSchedule
        """);
    PodSpec pod = r.one(DaemonSet.class, DAEMON).getSpec().getTemplate().getSpec();
    assertThat(pod.getNodeSelector()).containsExactlyInAnyOrderEntriesOf(
        Map.of("kubernetes.io/os", "linux", "livepatch.dev/enabled", "true"));
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
      assertThat(t.getKey()).isEqualTo("dedicated");
      assertThat(t.getValue()).isEqualTo("gpu");
      assertThat(t.getEffect()).isEqualTo("NoSchedule");
    });
    // The operator's scheduling is its own.
    assertThat(r.one(Deployment.class, OPERATOR).getSpec().getTemplate().getSpec().getTolerations()).isEmpty();
  }

  @Test
  void capabilitiesModeDropsAllButTheKernelsNeedsAndLeavesOutKmsg() {
    ChartUnderTest.Rendered r = ChartUnderTest.render("""
        nodeDaemon:
          privileged: false
        """);
    Container c = r.one(DaemonSet.class, DAEMON).getSpec().getTemplate().getSpec().getContainers().get(0);
    var sc = c.getSecurityContext();
    assertThat(sc.getPrivileged()).isFalse();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).containsExactly("SYS_MODULE", "SYS_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH");
    assertThat(mounts(c)).doesNotContainKey("host-kmsg").containsKeys("host-sys", "host-proc", "state");
    assertThat(r.one(DaemonSet.class, DAEMON).getSpec().getTemplate().getSpec().getVolumes())
        .extracting(Volume::getName).doesNotContain("host-kmsg");
  }

  @Test
  void configMapSourcesAreReadableOnlyInTheNamespacesGiven() {
    ChartUnderTest.Rendered r = ChartUnderTest.render("""
        nodeDaemon:
          configMapSourceNamespaces: [kernel-patches, kernel-patches-canary]
        """);
    List<Role> roles = r.all(Role.class).stream().filter(x -> x.getMetadata().getName().equals(DAEMON + "-module-sources")).toList();
    assertThat(roles).extracting(x -> x.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("kernel-patches", "kernel-patches-canary");
    assertThat(roles).allSatisfy(x -> assertThat(Rules.of(x.getRules())).containsExactly("core configmaps [] get"));
    assertThat(r.all(RoleBinding.class)).filteredOn(b -> b.getRoleRef().getName().equals(DAEMON + "-module-sources"))
        .extracting(b -> b.getMetadata().getNamespace() + " " + b.getSubjects().get(0).getNamespace() + "/"
            + b.getSubjects().get(0).getName())
        .containsExactlyInAnyOrder("kernel-patches " + NAMESPACE + "/" + DAEMON,
            "kernel-patches-canary " + NAMESPACE + "/" + DAEMON);
  }

  @Test
  void hostPathSourceDirectoriesAreMountedReadOnlyUnderTheHostPrefix() {
    ChartUnderTest.Rendered r = ChartUnderTest.render("""
        nodeDaemon:
          hostPathSourceDirs: [/opt/livepatches/, /srv/kpatch]
        """);
    PodSpec pod = r.one(DaemonSet.class, DAEMON).getSpec().getTemplate().getSpec();
    assertThat(mounts(pod.getContainers().get(0))).containsEntry("host-source-0", "/host/opt/livepatches ro")
        .containsEntry("host-source-1", "/host/srv/kpatch ro");
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().startsWith("host-source-"))
        .extracting(v -> v.getHostPath().getPath() + " " + v.getHostPath().getType())
        .containsExactly("/opt/livepatches Directory", "/srv/kpatch Directory");
  }

  @Test
  void bootRestoreMountsTheKubeletsStaticPodDirAndTellsTheDaemonItsImage() {
    ChartUnderTest.Rendered r = ChartUnderTest.render("""
        nodeDaemon:
          image: {repository: registry.example/livepatch-node-daemon, tag: "0.2.0"}
          bootRestore:
            staticPodPath: /etc/kubernetes/manifests/
        """);
    PodSpec pod = r.one(DaemonSet.class, DAEMON).getSpec().getTemplate().getSpec();
    Container daemon = pod.getContainers().get(0);
    assertThat(mounts(daemon)).containsEntry("boot-restore-manifests", "/host/etc/kubernetes/manifests rw");
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("boot-restore-manifests")).singleElement()
        .satisfies(v -> assertThat(v.getHostPath().getPath() + " " + v.getHostPath().getType())
            .isEqualTo("/etc/kubernetes/manifests Directory"));
    assertThat(env(daemon, "BOOT_RESTORE_STATIC_POD_DIR").getValue()).isEqualTo("/etc/kubernetes/manifests");
    assertThat(env(daemon, "BOOT_RESTORE_IMAGE").getValue()).isEqualTo(daemon.getImage())
        .isEqualTo("registry.example/livepatch-node-daemon:0.2.0");
    assertThat(env(daemon, "BOOT_RESTORE_PAUSE_IMAGE").getValue()).isEqualTo("registry.k8s.io/pause:3.10");
    assertThat(env(daemon, "POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");

    PodSpec off = ChartUnderTest.render("").one(DaemonSet.class, DAEMON).getSpec().getTemplate().getSpec();
    assertThat(off.getVolumes()).extracting(Volume::getName).doesNotContain("boot-restore-manifests");
    assertThat(off.getContainers().get(0).getEnv()).extracting(e -> e.getName())
        .noneMatch(n -> n.startsWith("BOOT_RESTORE_")).doesNotContain("POD_NAMESPACE");
  }

  @Test
  void anExistingPriorityClassReplacesTheChartsOwn() {
    ChartUnderTest.Rendered r = ChartUnderTest.render("""
        nodeDaemon:
          priorityClassName: system-node-critical
        """);
    assertThat(r.all(PriorityClass.class)).isEmpty();
    assertThat(r.one(DaemonSet.class, DAEMON).getSpec().getTemplate().getSpec().getPriorityClassName())
        .isEqualTo("system-node-critical");
  }

  @Test
  void imagesArePulledByDigestWhenOneIsGiven() {
    String digest = "sha256:" + "ab".repeat(32);
    ChartUnderTest.Rendered r = ChartUnderTest.render("""
        operator:
          image: {repository: registry.example/livepatch-operator, digest: %s}
        nodeDaemon:
          image: {repository: registry.example/livepatch-node-daemon, tag: "9.9.9"}
        """.formatted(digest));
    assertThat(r.one(Deployment.class, OPERATOR).getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example/livepatch-operator@" + digest);
    assertThat(r.one(DaemonSet.class, DAEMON).getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example/livepatch-node-daemon:9.9.9");
  }

  @Test
  void aggregationCanBeTurnedOffButNeverReachesEdit() {
    ChartUnderTest.Rendered r = ChartUnderTest.render("""
        rbac:
          aggregateToAdmin: false
        """);
    assertThat(r.find(ClusterRole.class, FULLNAME + "-admin")).isEmpty();
    assertThat(r.find(ClusterRole.class, FULLNAME + "-view")).isPresent();
    assertThat(r.objects()).extracting(HasMetadata::getMetadata)
        .allSatisfy(m -> assertThat(m.getLabels()).doesNotContainKey("rbac.authorization.k8s.io/aggregate-to-edit"));
  }

  @Test
  void stateDirectoryAndHostPrefixMoveTogether() {
    ChartUnderTest.Rendered r = ChartUnderTest.render("""
        nodeDaemon:
          hostRoot: /node
          stateHostPath: /var/lib/kernel-patches/
        """);
    Container c = r.one(DaemonSet.class, DAEMON).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(env(c, "HOST_PREFIX").getValue()).isEqualTo("/node");
    assertThat(env(c, "MODULE_CACHE_DIR").getValue()).isEqualTo("/var/lib/kernel-patches/modules");
    assertThat(env(c, "KMSG_PATH").getValue()).isEqualTo("/node/dev/kmsg");
    assertThat(mounts(c)).containsEntry("state", "/node/var/lib/kernel-patches rw").containsEntry("host-sys", "/node/sys rw");
  }

  /**
   * {@code nodeDaemon.javaOptions} is the daemon's JVM flags as the admin writes them: rendered verbatim into
   * JAVA_TOOL_OPTIONS, which the image's entrypoint adds nothing after (NodeDaemonImageTest); the default keeps
   * the small heap its comment states.
   */
  @Test
  void theDaemonsJavaOptionsBecomeItsJavaToolOptionsVerbatim() {
    String custom = "-XX:+UseG1GC -Xmx200m -XX:+ExitOnOutOfMemoryError";
    Container daemon = ChartUnderTest.render("nodeDaemon:\n  javaOptions: \"" + custom + "\"\n")
        .one(DaemonSet.class, DAEMON).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(env(daemon, "JAVA_TOOL_OPTIONS").getValue()).isEqualTo(custom);
    assertThat(env(ChartDefaultsTest.daemonContainer(), "JAVA_TOOL_OPTIONS").getValue()).contains(" -Xmx48m ")
        .doesNotContain("MaxRAMPercentage");
  }

  @Test
  void theDaemonsStartupBudgetIsTheOneGivenAndTheOtherProbesKeepTheirs() {
    Container daemon = ChartUnderTest.render("""
        nodeDaemon:
          startupProbe: {periodSeconds: 5, failureThreshold: 150}
        """).one(DaemonSet.class, DAEMON).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(daemon.getStartupProbe().getPeriodSeconds()).isEqualTo(5);
    assertThat(daemon.getStartupProbe().getFailureThreshold()).isEqualTo(150);
    assertThat(daemon.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(daemon.getLivenessProbe().getPeriodSeconds()).isEqualTo(10);
    assertThat(daemon.getLivenessProbe().getFailureThreshold()).isEqualTo(3);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      no operator replicas           | operator: {replicas: 0}                                     | replicas
      relative host prefix           | nodeDaemon: {hostRoot: host}                                | hostRoot
      the host's root as state dir   | nodeDaemon: {stateHostPath: /}                              | stateHostPath
      '..' in a source directory     | nodeDaemon: {hostPathSourceDirs: [/opt/../etc]}             | hostPathSourceDirs
      capabilities without SYS_MODULE| nodeDaemon: {privileged: false, capabilities: [SYS_ADMIN]}  | capabilities
      an unknown capability          | nodeDaemon: {capabilities: [SYS_MODULE, NET_ADMIN]}         | capabilities
      a bad namespace name           | nodeDaemon: {configMapSourceNamespaces: [Kernel_Patches]}   | configMapSourceNamespaces
      a digest that is not sha256    | operator: {image: {digest: 'latest'}}                       | digest
      a misspelled key               | nodeDaemon: {tolerration: []}                               | tolerration
      privileged as a string         | nodeDaemon: {privileged: 'yes'}                             | privileged
      a relative static pod path     | nodeDaemon: {bootRestore: {staticPodPath: manifests}}       | staticPodPath
      no pause image                 | nodeDaemon: {bootRestore: {pauseImage: ''}}                 | pauseImage
      no startup probe failures      | nodeDaemon: {startupProbe: {failureThreshold: 0}}           | failureThreshold
      a startup period over a minute | nodeDaemon: {startupProbe: {periodSeconds: 61}}             | periodSeconds
      a startup budget as a string   | nodeDaemon: {startupProbe: {failureThreshold: '150'}}       | failureThreshold
      """)
  void theSchemaRejects(String what, String values, String named) {
    assertThatThrownBy(() -> ChartUnderTest.render(values))
        .as(what)
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(named);
  }
}
