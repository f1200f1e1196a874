package dev.livepatch.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.controlplane.ControlPlaneSettings;
import dev.livepatch.fixtures.controlplane.Identity;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real control plane does what later tiers rely on, and what the mock server cannot. */
@ClusterTest
class ControlPlaneTest {

  private static final Duration GC_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration RBAC_TIMEOUT = Duration.ofSeconds(30);

  private static String namespace;

  @BeforeAll
  static void createNamespace(ControlPlane controlPlane) {
    namespace = controlPlane.createNamespace("cp-test");
  }

  @AfterAll
  static void deleteNamespace(KubernetesClient client) {
    client.namespaces().withName(namespace).delete();
  }

  @Test
  void servesTheVersionItWasBuiltFrom(ControlPlane controlPlane, KubernetesClient client) {
    assertThat(client.getKubernetesVersion().getGitVersion()).isEqualTo("v" + controlPlane.kubernetesVersion());
    assertThat(controlPlane.kubeconfig()).exists();
    assertThat(controlPlane.kubectl()).isExecutable();
    assertThat(controlPlane.startupTime()).isPositive();
  }

  @Test
  void nodeStatusIsWrittenThroughTheStatusSubresource(KubernetesClient client) {
    String name = ControlPlane.uniqueName("node-status");
    client.nodes().resource(node(name)).create();
    try {
      Node withStatus = client.nodes().withName(name).get();
      withStatus.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
          .withNewNodeInfo().withKernelVersion("6.1.0-56-amd64").withOperatingSystem("linux")
              .withArchitecture("amd64").endNodeInfo()
          .withConditions(readyCondition("True"))
          .build());
      client.nodes().resource(withStatus).updateStatus();

      Node stored = client.nodes().withName(name).get();
      assertThat(stored.getStatus().getNodeInfo().getKernelVersion()).isEqualTo("6.1.0-56-amd64");
      assertThat(stored.getStatus().getConditions())
          .anySatisfy(c -> assertThat(List.of(c.getType(), c.getStatus())).containsExactly("Ready", "True"));

      // A write to the main resource leaves status alone: the API server owns that split.
      stored.getMetadata().getLabels().put("kernel", "changed");
      stored.getStatus().getNodeInfo().setKernelVersion("ignored-by-main-resource");
      client.nodes().resource(stored).update();
      Node after = client.nodes().withName(name).get();
      assertThat(after.getMetadata().getLabels()).containsEntry("kernel", "changed");
      assertThat(after.getStatus().getNodeInfo().getKernelVersion()).isEqualTo("6.1.0-56-amd64");
    } finally {
      client.nodes().withName(name).delete();
    }
  }

  @Test
  void deletingANodeGarbageCollectsWhatItOwns(ControlPlane controlPlane, KubernetesClient client) {
    assumeTrue(controlPlane.garbageCollectorRunning(), "kube-controller-manager is not running (KUBEBUILDER_ASSETS "
        + "without it?): garbage collection cannot be tested");
    String name = ControlPlane.uniqueName("node-gc");
    Node node = client.nodes().resource(node(name)).create();
    OwnerReference ownedByNode = new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node")
        .withName(name).withUid(node.getMetadata().getUid()).build();
    client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder()
        .withNewMetadata().withName(name).withOwnerReferences(ownedByNode).endMetadata()
        .addToData("node", name).build()).create();
    client.rbac().clusterRoles().resource(new ClusterRoleBuilder()
        .withNewMetadata().withName(name).withOwnerReferences(ownedByNode).endMetadata().build()).create();

    Instant deleted = Instant.now();
    client.nodes().withName(name).delete();

    await("namespaced and cluster-scoped dependents of deleted node " + name + " to be garbage-collected")
        .atMost(GC_TIMEOUT).pollInterval(Duration.ofMillis(250))
        .until(() -> client.configMaps().inNamespace(namespace).withName(name).get() == null
            && client.rbac().clusterRoles().withName(name).get() == null);
    System.err.printf("[controlplane] garbage collection of a deleted node's dependents took %d ms%n",
        Duration.between(deleted, Instant.now()).toMillis());
  }

  @Test
  void serverSideApplyTracksFieldManagersAndConflicts(KubernetesClient client) {
    String name = ControlPlane.uniqueName("ssa");
    var configMaps = client.configMaps().inNamespace(namespace);
    configMaps.resource(configMap(name, "owner", "alpha")).fieldManager("manager-a").serverSideApply();

    assertThatThrownBy(() -> configMaps.resource(configMap(name, "owner", "beta"))
        .fieldManager("manager-b").serverSideApply())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(409);
          assertThat(e.getMessage()).contains("manager-a");
        });

    ConfigMap forced = configMaps.resource(configMap(name, "owner", "beta"))
        .fieldManager("manager-b").forceConflicts().serverSideApply();
    assertThat(forced.getData()).containsEntry("owner", "beta");
    assertThat(forced.getMetadata().getManagedFields())
        .anySatisfy(f -> assertThat(f.getManager()).isEqualTo("manager-b"));

    // Applying a configuration without a field removes the field that manager owned.
    configMaps.resource(configMap(name, "other", "x")).fieldManager("manager-b").serverSideApply();
    assertThat(configMaps.withName(name).get().getData()).containsOnlyKeys("other");
  }

  @Test
  void impersonatedRequestsAreAuthorizedAsTheImpersonatedIdentity(ControlPlane controlPlane, KubernetesClient admin) {
    String account = ControlPlane.uniqueName("daemon");
    Identity daemon = Identity.serviceAccount(namespace, account).boundToNode("node-7");
    KubernetesClient asDaemon = controlPlane.clientAs(daemon);

    // The API server sees the impersonated user, groups and the node-name extra.
    SelfSubjectReview review = asDaemon.resource(new SelfSubjectReviewBuilder().build()).create();
    UserInfo user = review.getStatus().getUserInfo();
    assertThat(user.getUsername()).isEqualTo("system:serviceaccount:" + namespace + ":" + account);
    assertThat(user.getGroups()).contains("system:serviceaccounts:" + namespace, "system:authenticated");
    assertThat(user.getExtra()).containsEntry(Identity.NODE_NAME_EXTRA, List.of("node-7"));

    assertThatThrownBy(() -> asDaemon.nodes().list())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(403);
          assertThat(e.getMessage()).contains(daemon.username()).contains("nodes");
        });

    ClusterRole readNodes = admin.rbac().clusterRoles().resource(new ClusterRoleBuilder()
        .withNewMetadata().withName(account).endMetadata()
        .addNewRule().withApiGroups("").withResources("nodes").withVerbs("get", "list").endRule()
        .build()).create();
    ClusterRoleBinding binding = admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
        .withNewMetadata().withName(account).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(account)
            .endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withNamespace(namespace).withName(account).endSubject()
        .build()).create();
    try {
      await("RBAC to allow " + daemon.username() + " to list nodes").atMost(RBAC_TIMEOUT)
          .ignoreExceptionsMatching(e -> e instanceof KubernetesClientException k && k.getCode() == 403)
          .until(() -> asDaemon.nodes().list() != null);
      assertThatThrownBy(() -> asDaemon.nodes().resource(node(ControlPlane.uniqueName("denied"))).create())
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    } finally {
      admin.resource(binding).delete();
      admin.resource(readNodes).delete();
    }
  }

  @Test
  void installsTheProjectCrdsAndServesTheirResources(ControlPlane controlPlane, KubernetesClient client) {
    List<String> names = controlPlane.installProjectCrds().stream().map(c -> c.getMetadata().getName()).toList();

    assertThat(names).contains("livepatches.livepatch.dev", "nodelivepatches.livepatch.dev");
    for (String crd : names) {
      var definition = client.apiextensions().v1().customResourceDefinitions().withName(crd).get();
      var version = definition.getSpec().getVersions().stream().filter(v -> v.getStorage()).findFirst().orElseThrow();
      var context = new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder()
          .withGroup(definition.getSpec().getGroup()).withVersion(version.getName())
          .withPlural(definition.getSpec().getNames().getPlural())
          .withNamespaced("Namespaced".equals(definition.getSpec().getScope())).build();
      assertThat(client.genericKubernetesResources(context).list().getItems()).isNotNull();
    }
  }

  @Test
  void aPrivateControlPlaneLeavesNoProcessBehindWhenClosed() {
    java.util.Set<Long> before = ProcessHandle.current().descendants().map(ProcessHandle::pid)
        .collect(java.util.stream.Collectors.toSet());
    List<ProcessHandle> started;
    java.nio.file.Path workDir;
    try (ControlPlane own = ControlPlane.start(ControlPlaneSettings.defaults().withControllers("garbagecollector"))) {
      workDir = own.workDir();
      assertThat(own.client().namespaces().withName("default").get()).isNotNull();
      started = ProcessHandle.current().descendants().filter(p -> !before.contains(p.pid())).toList();
      assertThat(started).extracting(p -> p.info().command().orElse(""))
          .anySatisfy(c -> assertThat(c).endsWith("/etcd"))
          .anySatisfy(c -> assertThat(c).endsWith("/kube-apiserver"))
          .anySatisfy(c -> assertThat(c).endsWith("/kube-controller-manager"));
    }
    assertThat(started).noneMatch(ProcessHandle::isAlive);
    assertThat(workDir).doesNotExist();
  }

  private static Node node(String name) {
    return new NodeBuilder().withNewMetadata().withName(name)
        .withLabels(new java.util.HashMap<>(Map.of("kubernetes.io/os", "linux"))).endMetadata().build();
  }

  private static NodeCondition readyCondition(String status) {
    String now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    return new NodeConditionBuilder().withType("Ready").withStatus(status).withReason("KubeletReady")
        .withMessage("simulated").withLastHeartbeatTime(now).withLastTransitionTime(now).build();
  }

  private static ConfigMap configMap(String name, String key, String value) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData(key, value).build();
  }
}
