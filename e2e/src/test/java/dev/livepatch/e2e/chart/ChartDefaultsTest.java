package dev.livepatch.e2e.chart;

import static dev.livepatch.e2e.chart.ChartUnderTest.DAEMON;
import static dev.livepatch.e2e.chart.ChartUnderTest.FULLNAME;
import static dev.livepatch.e2e.chart.ChartUnderTest.NAMESPACE;
import static dev.livepatch.e2e.chart.ChartUnderTest.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Validation;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The chart rendered with its default values: what every install gets. */
class ChartDefaultsTest {

  private static final ChartUnderTest.Rendered CHART = ChartUnderTest.render("{}");
  private static final String DAEMON_USER = "system:serviceaccount:" + NAMESPACE + ":" + DAEMON;

  // --- RBAC -------------------------------------------------------------------------------

  @Test
  void operatorClusterRoleIsExactlyWhatTheOperatorDoes() {
    assertThat(Rules.of(CHART.one(ClusterRole.class, OPERATOR).getRules())).containsExactly(
        "livepatch.dev livepatches [] get,list,watch,patch,update",
        "livepatch.dev livepatches/status [] patch,update",
        "livepatch.dev livepatches/finalizers [] update",
        "livepatch.dev nodelivepatches [] get,list,watch,create,patch,delete",
        "core nodes [] get,list,watch");
  }

  @Test
  void operatorElectsItsLeaderWithOneLeaseInItsNamespace() {
    Role role = CHART.one(Role.class, OPERATOR);
    assertThat(role.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(Rules.of(role.getRules())).containsExactly(
        "coordination.k8s.io leases [] create",
        "coordination.k8s.io leases [livepatch-operator] get,update,patch");
    Container c = operatorContainer();
    assertThat(env(c, "LIVEPATCH_LEADER_ELECTION").getValue()).isEqualTo("true");
    assertThat(env(c, "LIVEPATCH_LEASE_NAME").getValue()).isEqualTo("livepatch-operator");
    assertThat(env(c, "LIVEPATCH_LEASE_NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    assertThat(env(c, "LIVEPATCH_IDENTITY").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
  }

  @Test
  void operatorCreatesEventsOnlyInDefaultWhereTheApiServerAcceptsThemForClusterScopedObjects() {
    Role role = CHART.one(Role.class, OPERATOR + "-events");
    assertThat(role.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(Rules.of(role.getRules())).containsExactly("core events [] create,get,patch");
    assertThat(env(operatorContainer(), "LIVEPATCH_EVENT_NAMESPACE").getValue()).isEqualTo("default");
  }

  @Test
  void daemonClusterRoleReadsNodeLivePatchesAndWritesOnlyTheirStatus() {
    assertThat(Rules.of(CHART.one(ClusterRole.class, DAEMON).getRules())).containsExactly(
        "livepatch.dev nodelivepatches [] get,list,watch",
        "livepatch.dev nodelivepatches/status [] patch,update");
  }

  @Test
  void daemonReadsConfigMapsByNameOnlyInTheChartsNamespace() {
    List<Role> roles = CHART.all(Role.class).stream()
        .filter(r -> r.getRules().stream().anyMatch(rule -> rule.getResources().contains("configmaps"))).toList();
    assertThat(roles).singleElement().satisfies(role -> {
      assertThat(role.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
      assertThat(Rules.of(role.getRules())).containsExactly("core configmaps [] get");
    });
    assertThat(CHART.all(ClusterRole.class)).allSatisfy(cr -> assertThat(cr.getRules())
        .noneMatch(rule -> rule.getResources().contains("configmaps")));
  }

  @Test
  void eachServiceAccountIsBoundToItsOwnRolesOnly() {
    assertThat(rolesBoundTo(OPERATOR)).containsExactlyInAnyOrder(
        "ClusterRole/" + OPERATOR, "Role/" + OPERATOR, "Role/" + OPERATOR + "-events");
    assertThat(rolesBoundTo(DAEMON)).containsExactlyInAnyOrder(
        "ClusterRole/" + DAEMON, "Role/" + DAEMON + "-module-sources");
  }

  @Test
  void noRuleGrantsWildcardsSecretsOrEscalation() {
    List<PolicyRule> all = Stream.concat(
        CHART.all(ClusterRole.class).stream().flatMap(r -> r.getRules().stream()),
        CHART.all(Role.class).stream().flatMap(r -> r.getRules().stream())).toList();
    assertThat(all).isNotEmpty().allSatisfy(rule -> {
      assertThat(rule.getApiGroups()).doesNotContain("*");
      assertThat(rule.getResources()).doesNotContain("*", "secrets", "pods", "pods/exec", "roles", "rolebindings",
          "clusterroles", "clusterrolebindings", "serviceaccounts/token");
      assertThat(rule.getVerbs()).doesNotContain("*", "escalate", "bind", "impersonate");
    });
  }

  @Test
  void serviceAccountsDoNotMountTokensOutsideTheirPods() {
    assertThat(CHART.all(ServiceAccount.class)).extracting(sa -> sa.getMetadata().getName())
        .containsExactlyInAnyOrder(OPERATOR, DAEMON);
    assertThat(CHART.all(ServiceAccount.class)).allSatisfy(sa ->
        assertThat(sa.getAutomountServiceAccountToken()).isFalse());
    assertThat(operatorPod().getAutomountServiceAccountToken()).isTrue();
    assertThat(daemonPod().getAutomountServiceAccountToken()).isTrue();
  }

  // --- Aggregated roles -----------------------------------------------------------------

  @Test
  void viewersReadAndClusterWideAdminsWriteLivePatchesButEditorsDoNot() {
    ClusterRole view = CHART.one(ClusterRole.class, FULLNAME + "-view");
    assertThat(view.getMetadata().getLabels()).containsEntry("rbac.authorization.k8s.io/aggregate-to-view", "true");
    assertThat(Rules.of(view.getRules())).containsExactly("livepatch.dev livepatches,nodelivepatches [] get,list,watch");

    ClusterRole admin = CHART.one(ClusterRole.class, FULLNAME + "-admin");
    assertThat(admin.getMetadata().getLabels()).containsEntry("rbac.authorization.k8s.io/aggregate-to-admin", "true");
    assertThat(Rules.of(admin.getRules())).containsExactly(
        "livepatch.dev livepatches [] get,list,watch,create,update,patch,delete,deletecollection",
        "livepatch.dev nodelivepatches [] get,list,watch");

    assertThat(CHART.all(ClusterRole.class)).allSatisfy(cr -> assertThat(cr.getMetadata().getLabels())
        .doesNotContainKey("rbac.authorization.k8s.io/aggregate-to-edit"));
    assertThat(CHART.all(ClusterRole.class).stream()
        .filter(cr -> cr.getMetadata().getLabels().keySet().stream().anyMatch(k -> k.contains("aggregate-to")))
        .flatMap(cr -> cr.getRules().stream()))
        .noneMatch(rule -> rule.getResources().stream().anyMatch(r -> r.endsWith("/status")))
        .noneMatch(rule -> rule.getResources().contains("nodelivepatches") && rule.getVerbs().contains("create"));
  }

  // --- Admission policy -------------------------------------------------------------------

  @Test
  void admissionPolicyMatchesOnlyTheDaemonsIdentityAndAllLivePatchWrites() {
    ValidatingAdmissionPolicy vap = CHART.one(ValidatingAdmissionPolicy.class, DAEMON + "-own-node");
    assertThat(vap.getSpec().getFailurePolicy()).isEqualTo("Fail");
    assertThat(vap.getSpec().getMatchConditions()).singleElement().satisfies(mc ->
        assertThat(mc.getExpression()).isEqualTo("request.userInfo.username == '" + DAEMON_USER + "'"));
    assertThat(vap.getSpec().getMatchConstraints().getResourceRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getApiGroups()).containsExactly("livepatch.dev");
      assertThat(rule.getOperations()).containsExactlyInAnyOrder("CREATE", "UPDATE", "DELETE");
      assertThat(rule.getResources()).containsExactlyInAnyOrder(
          "livepatches", "livepatches/*", "nodelivepatches", "nodelivepatches/*");
    });

    ValidatingAdmissionPolicyBinding binding = CHART.one(ValidatingAdmissionPolicyBinding.class, DAEMON + "-own-node");
    assertThat(binding.getSpec().getPolicyName()).isEqualTo(vap.getMetadata().getName());
    assertThat(binding.getSpec().getValidationActions()).containsExactly("Deny");
    assertThat(binding.getSpec().getMatchResources()).isNull();
  }

  @Test
  void admissionPolicyKeysOnTheNodeNameInTheBoundTokenAndTheObjectsName() {
    ValidatingAdmissionPolicy vap = CHART.one(ValidatingAdmissionPolicy.class, DAEMON + "-own-node");
    Map<String, String> variables = vap.getSpec().getVariables().stream()
        .collect(Collectors.toMap(v -> v.getName(), v -> v.getExpression()));
    assertThat(variables.get("nodeName"))
        .contains("request.userInfo.extra['authentication.kubernetes.io/node-name'][0]")
        .contains("size(request.userInfo.extra['authentication.kubernetes.io/node-name']) == 1");
    assertThat(variables.get("isNodeLivePatch")).isEqualTo("request.resource.resource == 'nodelivepatches'");

    List<String> rules = vap.getSpec().getValidations().stream().map(Validation::getExpression).toList();
    assertThat(rules).containsExactly(
        "variables.isNodeLivePatch",
        "!variables.isNodeLivePatch || (request.operation == 'UPDATE' && has(request.subResource)"
            + " && request.subResource == 'status')",
        "!variables.isNodeLivePatch || variables.nodeName != ''",
        "!variables.isNodeLivePatch || request.operation != 'UPDATE' || variables.nodeName == ''"
            + " || object.metadata.name == variables.nodeName");
    assertThat(vap.getSpec().getValidations()).allSatisfy(v -> assertThat(v.getReason()).isEqualTo("Forbidden"));
    assertThat(vap.getSpec().getValidations().get(0).getMessage()).isEqualTo("the node daemon may not write LivePatch objects");
  }

  // --- Operator Deployment ----------------------------------------------------------------

  @Test
  void operatorRunsTwoLeaderElectedReplicasWithProbesAndResources() {
    Deployment deployment = CHART.one(Deployment.class, OPERATOR);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    Container c = operatorContainer();
    assertThat(c.getImage()).isEqualTo("ghcr.io/livepatch-dev/livepatch-operator:0.1.0");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getStartupProbe()).isNotNull();
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKey("memory");
    assertThat(env(c, "LIVEPATCH_HTTP_PORT").getValue()).isEqualTo("8080");
    assertThat(c.getPorts()).extracting(p -> p.getName() + ":" + p.getContainerPort()).containsExactly("http:8080");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(operatorPod().getAffinity().getPodAntiAffinity()).isNotNull();
    assertThat(CHART.one(PodDisruptionBudget.class, OPERATOR).getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
  }

  @Test
  void operatorIsNonRootReadOnlyWithNoCapabilities() {
    PodSpec pod = operatorPod();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getVolumes()).extracting(Volume::getHostPath).containsOnlyNulls();
    var sc = operatorContainer().getSecurityContext();
    assertThat(sc.getPrivileged()).isFalse();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isEmpty();
    assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
  }

  // --- Node daemon DaemonSet ---------------------------------------------------------------

  @Test
  void daemonIsPrivilegedOnlyInItsOneContainerAndSharesNoHostNamespace() {
    PodSpec pod = daemonPod();
    assertThat(pod.getContainers()).hasSize(1);
    assertThat(pod.getInitContainers()).isEmpty();
    assertThat(pod.getHostPID()).isFalse();
    assertThat(pod.getHostNetwork()).isFalse();
    assertThat(pod.getHostIPC()).isFalse();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    var sc = daemonContainer().getSecurityContext();
    assertThat(sc.getPrivileged()).isTrue();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
  }

  @Test
  void daemonMountsExactlySysProcKmsgAndTheModuleCacheFromTheHost() {
    Map<String, String> hostPaths = daemonPod().getVolumes().stream().filter(v -> v.getHostPath() != null)
        .collect(Collectors.toMap(Volume::getName, v -> v.getHostPath().getPath() + " " + v.getHostPath().getType()));
    assertThat(hostPaths).containsExactlyInAnyOrderEntriesOf(Map.of(
        "host-sys", "/sys Directory",
        "host-proc", "/proc Directory",
        "host-kmsg", "/dev/kmsg CharDevice",
        "state", "/var/lib/livepatch-operator DirectoryOrCreate"));
    assertThat(mounts(daemonContainer())).containsExactlyInAnyOrderEntriesOf(Map.of(
        "host-sys", "/host/sys rw",
        "host-proc", "/host/proc ro",
        "host-kmsg", "/host/dev/kmsg ro",
        "state", "/host/var/lib/livepatch-operator rw",
        "tmp", "/tmp rw"));
    Container c = daemonContainer();
    assertThat(env(c, "HOST_PREFIX").getValue()).isEqualTo("/host");
    // host paths, which the daemon resolves under HOST_PREFIX
    assertThat(env(c, "MODULE_CACHE_DIR").getValue()).isEqualTo("/var/lib/livepatch-operator/modules");
    assertThat(env(c, "STATE_FILE").getValue()).isEqualTo("/var/lib/livepatch-operator/state.json");
    assertThat(env(c, "KMSG_PATH").getValue()).isEqualTo("/host/dev/kmsg");
    assertThat(env(c, "HTTP_PORT").getValue()).isEqualTo("8080");
  }

  @Test
  void daemonGetsTwoMinutesToStartBeforeItsOtherProbesBegin() {
    var startup = daemonContainer().getStartupProbe();
    assertThat(startup.getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(startup.getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(startup.getPeriodSeconds()).isEqualTo(2);
    assertThat(startup.getFailureThreshold()).isEqualTo(60);
  }

  @Test
  void daemonKnowsItsNodeFromTheDownwardApiAndRunsOnEveryNode() {
    assertThat(env(daemonContainer(), "NODE_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
    PodSpec pod = daemonPod();
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
      assertThat(t.getOperator()).isEqualTo("Exists");
      assertThat(t.getKey()).isNull();
      assertThat(t.getEffect()).isNull();
    });
    assertThat(pod.getNodeSelector()).containsExactlyEntriesOf(Map.of("kubernetes.io/os", "linux"));
    assertThat(pod.getServiceAccountName()).isEqualTo(DAEMON);
  }

  @Test
  void daemonHasItsOwnPriorityClassBelowTheSystemOnes() {
    PriorityClass pc = CHART.one(PriorityClass.class, daemonPod().getPriorityClassName());
    assertThat(pc.getValue()).isEqualTo(100_000_000).isLessThan(1_000_000_000);
    assertThat(pc.getGlobalDefault()).isFalse();
    assertThat(pc.getPreemptionPolicy()).isEqualTo("PreemptLowerPriority");
  }

  // --- Namespacing ------------------------------------------------------------------------

  @Test
  void everyNamespacedObjectIsInTheReleaseNamespace() {
    List<String> clusterScoped = List.of("ClusterRole", "ClusterRoleBinding", "PriorityClass",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "Namespace");
    assertThat(CHART.objects()).filteredOn(o -> !clusterScoped.contains(o.getKind()))
        .filteredOn(o -> !o.getMetadata().getName().equals(OPERATOR + "-events"))
        .isNotEmpty()
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).as(o.getKind() + "/" + o.getMetadata().getName())
            .isEqualTo(NAMESPACE));
    assertThat(CHART.objects()).filteredOn(o -> clusterScoped.contains(o.getKind()))
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isNull());
    assertThat(CHART.objects()).extracting(HasMetadata::getKind).doesNotContain("Namespace", "ServiceMonitor",
        "PrometheusRule", "CustomResourceDefinition");
  }

  // --- helpers ------------------------------------------------------------------------------

  static PodSpec operatorPod() {
    return CHART.one(Deployment.class, OPERATOR).getSpec().getTemplate().getSpec();
  }

  static PodSpec daemonPod() {
    return CHART.one(DaemonSet.class, DAEMON).getSpec().getTemplate().getSpec();
  }

  static Container operatorContainer() {
    return operatorPod().getContainers().get(0);
  }

  static Container daemonContainer() {
    return daemonPod().getContainers().get(0);
  }

  static EnvVar env(Container c, String name) {
    return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no env " + name + " in container " + c.getName()));
  }

  /** Volume name to "mountPath ro|rw". */
  static Map<String, String> mounts(Container c) {
    return c.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getName,
        m -> m.getMountPath() + (Boolean.TRUE.equals(m.getReadOnly()) ? " ro" : " rw")));
  }

  /** "Kind/name" of every role bound to the chart's service account {@code sa}. */
  private static List<String> rolesBoundTo(String sa) {
    Function<List<Subject>, Boolean> names = subjects -> subjects.stream().anyMatch(s ->
        s.getKind().equals("ServiceAccount") && s.getName().equals(sa) && NAMESPACE.equals(s.getNamespace()));
    return Stream.concat(
        CHART.all(ClusterRoleBinding.class).stream().filter(b -> names.apply(b.getSubjects()))
            .map(b -> b.getRoleRef().getKind() + "/" + b.getRoleRef().getName()),
        CHART.all(RoleBinding.class).stream().filter(b -> names.apply(b.getSubjects()))
            .map(b -> b.getRoleRef().getKind() + "/" + b.getRoleRef().getName())).toList();
  }
}
