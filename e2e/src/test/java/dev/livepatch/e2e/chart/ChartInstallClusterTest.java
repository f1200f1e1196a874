package dev.livepatch.e2e.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.livepatch.api.fixture.DaemonReport;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.controlplane.Identity;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The chart installed by Helm (helm-java) into the real control plane, and its identities tried
 * against the real API server by impersonation: what each service account may do is allowed,
 * the rest is denied, by RBAC and, for a node daemon, by the admission policy that keeps it to its
 * own node (the extra {@code authentication.kubernetes.io/node-name} a pod-bound token carries).
 */
@ClusterTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChartInstallClusterTest {

  private static final Duration POLICY_SYNC = Duration.ofSeconds(30);

  private ControlPlane cp;
  private KubernetesClient admin;
  private String release;
  private String ns;
  private String operatorSa;
  private String daemonSa;
  private String nodeA;
  private String nodeB;

  @BeforeAll
  void install(ControlPlane controlPlane) {
    cp = controlPlane;
    admin = cp.client();
    cp.installProjectCrds();
    ns = cp.createNamespace("lp-chart");
    release = ControlPlane.uniqueName("lpc");
    Release installed = ChartUnderTest.helm().install().withName(release).withNamespace(ns)
        .withKubeConfigContents(cp.kubeconfigYaml()).call();
    assertThat(installed.getStatus()).isEqualTo("deployed");
    String fullname = release + "-livepatch-operator";
    operatorSa = fullname + "-operator";
    daemonSa = fullname + "-node-daemon";
    nodeA = ControlPlane.uniqueName("node-a");
    nodeB = ControlPlane.uniqueName("node-b");
    for (String node : List.of(nodeA, nodeB)) {
      admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).create();
      NodeLivePatch nlp = new NodeLivePatch();
      nlp.setMetadata(new ObjectMetaBuilder().withName(node).build());
      nlp.setSpec(new NodeLivePatchSpec());
      admin.resource(nlp).create();
    }
  }

  @AfterAll
  void uninstall() {
    if (release != null) {
      Helm.uninstall(release).withNamespace(ns).withKubeConfigContents(cp.kubeconfigYaml()).call();
    }
    for (String node : List.of(nodeA, nodeB)) {
      admin.resources(NodeLivePatch.class).withName(node).delete();
      admin.nodes().withName(node).delete();
    }
  }

  private KubernetesClient operator() {
    return cp.clientAs(Identity.serviceAccount(ns, operatorSa));
  }

  private KubernetesClient daemonOn(String node) {
    return cp.clientAs(Identity.serviceAccount(ns, daemonSa).boundToNode(node));
  }

  @Nested
  class NodeDaemon {

    @Test
    void writesTheStatusOfItsOwnNodeOnly() {
      assertThatCode(() -> writeStatus(daemonOn(nodeA), nodeA)).doesNotThrowAnyException();
      assertDeniedByPolicy(() -> writeStatus(daemonOn(nodeA), nodeB),
          "the node daemon on node " + nodeA + " may not write NodeLivePatch " + nodeB);
    }

    @Test
    void readsNodeLivePatchesButWritesNoSpecNoObjectAndNoLivePatch() {
      KubernetesClient daemon = daemonOn(nodeA);
      assertThat(daemon.resources(NodeLivePatch.class).withName(nodeA).get()).isNotNull();
      assertThat(daemon.resources(NodeLivePatch.class).list().getItems()).isNotEmpty();
      assertDeniedByRbac(() -> daemon.resources(NodeLivePatch.class).withName(nodeA)
          .edit(n -> { n.getSpec().setRetained(List.of("lp_x")); return n; }));
      assertDeniedByRbac(() -> daemon.resources(NodeLivePatch.class).withName(nodeA).delete());
      assertDeniedByRbac(() -> daemon.resource(nodeLivePatch(ControlPlane.uniqueName("node-c"))).create());
      assertDeniedByRbac(() -> daemon.resource(livePatch(ControlPlane.uniqueName("lp"))).create());
      assertDeniedByRbac(() -> daemon.nodes().list());
      assertDeniedByRbac(() -> daemon.secrets().inNamespace(ns).list());
    }

    @Test
    void withoutTheNodeNameInItsTokenItWritesNothing() {
      KubernetesClient unbound = cp.clientAs(Identity.serviceAccount(ns, daemonSa));
      assertDeniedByPolicy(() -> writeStatus(unbound, nodeA), "carries no node name");
    }

    @Test
    void readsConfigMapSourcesInTheChartsNamespaceOnly() {
      String other = cp.createNamespace("lp-elsewhere");
      for (String namespace : List.of(ns, other)) {
        admin.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata()
            .withName("lp-module").endMetadata().withBinaryData(Map.of("module.ko", "AAEC")).build()).create();
      }
      KubernetesClient daemon = daemonOn(nodeA);
      assertThat(daemon.configMaps().inNamespace(ns).withName("lp-module").get().getBinaryData()).containsKey("module.ko");
      assertDeniedByRbac(() -> daemon.configMaps().inNamespace(other).withName("lp-module").get());
      assertDeniedByRbac(() -> daemon.configMaps().inNamespace(ns).list());
      admin.namespaces().withName(other).delete();
    }

    @Test
    void thePolicyHoldsWhenRbacIsWidenedByMistake() {
      String role = ControlPlane.uniqueName("too-wide");
      admin.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName(role).endMetadata()
          .addNewRule().withApiGroups("livepatch.dev").withResources("*").withVerbs("*").endRule().build()).create();
      admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(role)
          .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
          .addNewSubject().withKind("ServiceAccount").withName(daemonSa).withNamespace(ns).endSubject().build()).create();
      try {
        KubernetesClient daemon = daemonOn(nodeA);
        // Once RBAC allows it, the request reaches admission: wait for the binding to count.
        assertDeniedByPolicy(() -> daemon.resource(livePatch(ControlPlane.uniqueName("lp"))).create(),
            "the node daemon may not write LivePatch objects");
        assertDeniedByPolicy(() -> daemon.resources(NodeLivePatch.class).withName(nodeA)
            .edit(n -> { n.getSpec().setRetained(List.of("lp_x")); return n; }),
            "may only update the status of a NodeLivePatch");
        assertDeniedByPolicy(() -> daemon.resources(NodeLivePatch.class).withName(nodeB).delete(),
            "may only update the status of a NodeLivePatch");
        assertDeniedByPolicy(() -> writeStatus(daemon, nodeB), "may not write NodeLivePatch " + nodeB);
        assertThatCode(() -> writeStatus(daemon, nodeA)).doesNotThrowAnyException();
      } finally {
        admin.rbac().clusterRoleBindings().withName(role).delete();
        admin.rbac().clusterRoles().withName(role).delete();
      }
    }
  }

  @Nested
  class Operator {

    @Test
    void appliesNodeLivePatchSpecsButNeverTheirStatus() {
      KubernetesClient operator = operator();
      NodeLivePatch desired = nodeLivePatch(nodeA);
      desired.getSpec().setRetained(List.of("lp_retained"));
      assertThatCode(() -> operator.resource(desired).fieldManager("livepatch-operator").forceConflicts()
          .serverSideApply()).doesNotThrowAnyException();
      assertDeniedByRbac(() -> writeStatus(operator, nodeA));
      String gone = ControlPlane.uniqueName("node-gone");
      assertThatCode(() -> operator.resource(nodeLivePatch(gone)).fieldManager("livepatch-operator")
          .serverSideApply()).doesNotThrowAnyException();
      assertThatCode(() -> operator.resources(NodeLivePatch.class).withName(gone).delete()).doesNotThrowAnyException();
    }

    @Test
    void writesLivePatchStatusAndReadsNodes() {
      String name = ControlPlane.uniqueName("lp");
      admin.resource(livePatch(name)).create();
      try {
        KubernetesClient operator = operator();
        LivePatch status = new LivePatch();
        status.setMetadata(new ObjectMetaBuilder().withName(name).build());
        status.setStatus(new dev.livepatch.api.v1alpha1.LivePatchStatus());
        status.getStatus().setSummary("0/0 updated");
        assertThatCode(() -> operator.resource(status).subresource("status").patch(new PatchContext.Builder()
            .withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager("livepatch-operator").withForce(true).build()))
            .doesNotThrowAnyException();
        assertThatCode(() -> operator.resources(LivePatch.class).withName(name)
            .edit(lp -> { lp.getMetadata().setFinalizers(List.of("livepatch.dev/test")); return lp; }))
            .doesNotThrowAnyException();
        assertThat(operator.nodes().withName(nodeA).get()).isNotNull();
        assertDeniedByRbac(() -> operator.nodes().withName(nodeA).edit(n -> {
          n.getMetadata().setLabels(Map.of("x", "y"));
          return n;
        }));
        assertDeniedByRbac(() -> operator.resource(livePatch(ControlPlane.uniqueName("lp"))).create());
        assertDeniedByRbac(() -> operator.secrets().inAnyNamespace().list());
        assertDeniedByRbac(() -> operator.configMaps().inNamespace(ns).list());
      } finally {
        admin.resources(LivePatch.class).withName(name).edit(lp -> { lp.getMetadata().setFinalizers(List.of()); return lp; });
        admin.resources(LivePatch.class).withName(name).delete();
      }
    }

    @Test
    void electsALeaderWithItsOwnLeaseAndRecordsEventsInDefault() {
      KubernetesClient operator = operator();
      admin.leases().inNamespace(ns).withName("livepatch-operator").withTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
          .delete();   // the rollout test's operator may have left it
      assertThatCode(() -> operator.leases().inNamespace(ns).resource(new LeaseBuilder().withNewMetadata()
          .withName("livepatch-operator").endMetadata().withNewSpec().withHolderIdentity("replica-0").endSpec().build())
          .create()).doesNotThrowAnyException();
      assertThatCode(() -> operator.leases().inNamespace(ns).withName("livepatch-operator")
          .edit(l -> { l.getSpec().setHolderIdentity("replica-1"); return l; })).doesNotThrowAnyException();
      assertDeniedByRbac(() -> operator.leases().inNamespace(ns).withName("someone-elses-lease").get());
      assertDeniedByRbac(() -> operator.leases().inNamespace("kube-system").list());
      io.fabric8.kubernetes.api.model.Event made = operator.v1().events().inNamespace("default").resource(event("default")).create();
      assertThatCode(() -> operator.v1().events().inNamespace("default").withName(made.getMetadata().getName())
          .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
              "{\"count\": 2}")).as("the aggregating recorder updates its Events in place").doesNotThrowAnyException();
      assertDeniedByRbac(() -> operator.v1().events().inNamespace(ns).resource(event(ns)).create());
      assertDeniedByRbac(() -> operator.v1().events().inNamespace("default").list());
      admin.leases().inNamespace(ns).withName("livepatch-operator").delete();
    }
  }

  @Nested
  class UserRoles {

    @Test
    void theChartsRolesCarryTheLabelsTheBuiltInRolesAggregate() {
      String fullname = release + "-livepatch-operator";
      ClusterRole chartView = admin.rbac().clusterRoles().withName(fullname + "-view").get();
      ClusterRole chartAdmin = admin.rbac().clusterRoles().withName(fullname + "-admin").get();
      assertThat(selects("view", chartView)).isTrue();
      assertThat(selects("admin", chartAdmin)).isTrue();
      assertThat(selects("edit", chartAdmin)).isFalse();
      assertThat(selects("edit", chartView)).isFalse();
    }

    @Test
    void aNamespaceAdminGetsNothingOnLivePatches() {
      String team = cp.createNamespace("lp-team");
      admin.rbac().roleBindings().inNamespace(team).resource(new RoleBindingBuilder().withNewMetadata()
          .withName("team-admin").endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "admin")
          .addNewSubject().withKind("User").withName("team-lead").endSubject().build()).create();
      KubernetesClient teamLead = cp.clientAs(Identity.user("team-lead"));
      assertDeniedByRbac(() -> teamLead.resource(livePatch(ControlPlane.uniqueName("lp"))).create());
      assertDeniedByRbac(() -> teamLead.resources(LivePatch.class).list());
      admin.namespaces().withName(team).delete();
    }

    /** Whether the built-in ClusterRole {@code builtIn} aggregates {@code role} (its selectors match its labels). */
    private boolean selects(String builtIn, ClusterRole role) {
      ClusterRole target = admin.rbac().clusterRoles().withName(builtIn).get();
      Map<String, String> labels = role.getMetadata().getLabels();
      return target.getAggregationRule().getClusterRoleSelectors().stream()
          .anyMatch(s -> s.getMatchLabels() != null && labels.entrySet().containsAll(s.getMatchLabels().entrySet()));
    }
  }

  /**
   * The operator started in this JVM with the configuration the chart's Deployment gives it (its
   * env, field references resolved) and the chart's operator identity; the node's daemon played by
   * the chart's daemon identity bound to that node. A one-node rollout goes from admission to
   * Complete with exactly the chart's permissions on both sides.
   */
  @Nested
  class RolloutWithTheChartsIdentities {

    @Test
    void aLivePatchRollsOutToANodeAndCompletes() {
      String node = ControlPlane.uniqueName("node-r");
      String label = ControlPlane.uniqueName("rollout");
      admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(node)
          .withLabels(Map.of("kubernetes.io/os", "linux", "livepatch.dev/chart-test", label)).endMetadata().build()).create();
      admin.nodes().withName(node).editStatus(n -> {
        n.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder().withNewNodeInfo()
            .withKernelVersion("6.1.0-56-amd64").withOperatingSystem("linux").endNodeInfo()
            .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").endCondition().build());
        return n;
      });
      dev.livepatch.operator.LivePatchOperator running = dev.livepatch.operator.LivePatchOperator.start(operator(),
          dev.livepatch.operator.config.OperatorConfig.fromEnv(operatorEnvFromChart()));
      String name = ControlPlane.uniqueName("lp");
      try {
        LivePatch lp = livePatch(name);
        lp.getSpec().setNodeSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
            .withMatchLabels(Map.of("livepatch.dev/chart-test", label)).build());
        lp.getSpec().getRollout().setCanaryNodes(0);
        lp.getSpec().getRollout().setInterval("1s");
        admin.resource(lp).create();

        // The operator admits the node: the LivePatch's module in the node's spec.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
          NodeLivePatch nlp = admin.resources(NodeLivePatch.class).withName(node).get();
          assertThat(nlp).isNotNull();
          assertThat(nlp.getSpec().getModules()).extracting(m -> m.getLivePatch()).contains(name);
        });
        // The node's daemon reports the module enabled, through the policy.
        daemonOn(node).resources(NodeLivePatch.class).withName(node).editStatus(n -> {
          n.setStatus(DaemonReport.on(n).kernel("6.1.0-56-amd64").status());
          return n;
        });
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
          LivePatch seen = admin.resources(LivePatch.class).withName(name).get();
          assertThat(seen.getStatus()).isNotNull();
          assertThat(seen.getStatus().getPhase()).hasToString("Complete");
          assertThat(seen.getStatus().getUpdatedNodes()).isEqualTo(1);
        });
        assertThat(admin.leases().inNamespace(ns).withName("livepatch-operator").get().getSpec().getHolderIdentity())
            .isEqualTo("operator-0");
      } finally {
        running.stop();
        admin.leases().inNamespace(ns).withName("livepatch-operator").delete();
        admin.resources(LivePatch.class).withName(name).withGracePeriod(0).delete();
        admin.resources(LivePatch.class).withName(name).edit(x -> { x.getMetadata().setFinalizers(List.of()); return x; });
        admin.resources(NodeLivePatch.class).withName(node).delete();
        admin.nodes().withName(node).delete();
      }
    }

    /** The operator container's env from the chart as installed: field references resolved as the kubelet would. */
    private Map<String, String> operatorEnvFromChart() {
      io.fabric8.kubernetes.api.model.apps.Deployment deployment = admin.apps().deployments().inNamespace(ns)
          .withName(release + "-livepatch-operator-operator").get();
      Map<String, String> env = new java.util.HashMap<>();
      for (io.fabric8.kubernetes.api.model.EnvVar e : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
        if (e.getValueFrom() == null) {
          env.put(e.getName(), e.getValue());
        } else {
          String path = e.getValueFrom().getFieldRef().getFieldPath();
          env.put(e.getName(), switch (path) {
            case "metadata.namespace" -> ns;
            case "metadata.name" -> "operator-0";
            default -> throw new IllegalStateException("unexpected field reference " + path);
          });
        }
      }
      assertThat(env).containsKeys("LIVEPATCH_LEASE_NAME", "LIVEPATCH_LEASE_NAMESPACE", "LIVEPATCH_EVENT_NAMESPACE");
      env.put("LIVEPATCH_HTTP_PORT", "-1");              // no port of its own in a test JVM
      env.put("LIVEPATCH_EXIT_ON_LOST_LEASE", "false");  // stopping it must not end the test JVM
      return env;
    }
  }

  // --- helpers ----------------------------------------------------------------------------

  private static void writeStatus(KubernetesClient client, String node) {
    client.resources(NodeLivePatch.class).withName(node).editStatus(n -> {
      NodeLivePatchStatus status = n.getStatus() == null ? new NodeLivePatchStatus() : n.getStatus();
      status.setKernelRelease("6.1.0-56-amd64");
      status.setObservedGeneration(n.getMetadata().getGeneration());
      n.setStatus(status);
      return n;
    });
  }

  private static NodeLivePatch nodeLivePatch(String node) {
    NodeLivePatch nlp = new NodeLivePatch();
    nlp.setMetadata(new ObjectMetaBuilder().withName(node).build());
    nlp.setSpec(new NodeLivePatchSpec());
    return nlp;
  }

  /** A valid LivePatch that targets no node (its selector matches a label nothing carries). */
  private static LivePatch livePatch(String name) {
    try {
      String yaml = Files.readString(ChartUnderTest.repositoryRoot().resolve("crds/examples/canary-rollout.yaml"));
      LivePatch lp = Serialization.unmarshal(yaml, LivePatch.class);
      lp.getMetadata().setName(name);
      lp.getSpec().setNodeSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
          .withMatchLabels(Map.of("livepatch.dev/chart-test", "no-such-node")).build());
      return lp;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static io.fabric8.kubernetes.api.model.Event event(String namespace) {
    return new EventBuilder().withNewMetadata().withName(ControlPlane.uniqueName("lp-event")).withNamespace(namespace)
        .endMetadata().withNewInvolvedObject().withApiVersion("livepatch.dev/v1alpha1").withKind("LivePatch")
        .withName("some-livepatch").endInvolvedObject().withType("Normal").withReason("Test").withMessage("test")
        .build();
  }

  /** Denied by RBAC: 403 with the authorizer's "cannot <verb> resource" message. */
  private static void assertDeniedByRbac(ThrowingCallable call) {
    KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class, call);
    assertThat(e).as("expected RBAC to deny the request").isNotNull();
    assertThat(e.getCode()).as(e.getMessage()).isEqualTo(403);
    assertThat(e.getMessage()).contains("cannot").doesNotContain("ValidatingAdmissionPolicy");
  }

  /**
   * Denied by the chart's admission policy (waits for the API server to load it, and for RBAC
   * changes to count): 403 naming the policy, with the policy's message.
   */
  private static void assertDeniedByPolicy(ThrowingCallable call, String message) {
    await().atMost(POLICY_SYNC).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class, call);
      assertThat(e).as("expected the admission policy to deny the request").isNotNull();
      assertThat(e.getMessage()).contains("ValidatingAdmissionPolicy").contains(message);
      assertThat(e.getCode()).isEqualTo(403);
    });
  }
}
