package dev.livepatch.e2e.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
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
import java.time.Instant;
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
class NodeTierTest {

  static final String NS = "livepatch-system";
  static final String RELEASE = "lp";
  static final String DAEMON_SA = RELEASE + "-livepatch-operator-node-daemon";
  static final String NODE = "lp-node-1";
  static final Duration NODE_READY = Duration.ofMinutes(5);
  static final Duration POD_READY = Duration.ofMinutes(6);

  private NodeTierImage image;
  private NodeControlPlane cp;
  private KubernetesClient admin;
  private GuestNode node;
  private final Timings timings = new Timings();

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
    Files.writeString(values, NodeTierValues.yaml(NodeImages.reference(daemonImage)), StandardCharsets.UTF_8);
    Release installed = new Helm(image.nodeDir().getParent().getParent().resolve("charts/livepatch-operator")).install()
        .withName(RELEASE).withNamespace(NS).withKubeConfigContents(cp.controlPlane().kubeconfigYaml())
        .withValuesFile(values).call();
    assertThat(installed.getStatus()).isEqualTo("deployed");
    Path kubeconfig = cp.nodeKubeconfig(NODE, "https://127.0.0.1:6443");
    timings.mark("guest-boot");
    node = GuestNode.boot(image, NODE, kubeconfig, cp.apiServerPort(), List.of(NodeImages.sandbox(image), daemonImage));
    await("node " + NODE + " Ready", NODE_READY, () -> ready(admin.nodes().withName(NODE).get()));
    timings.mark("node-ready");
  }

  @AfterAll
  void stop() {
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
  void theNodeRegistersAndTheChartsDaemonPodRunsReadyOnIt() {
    Node registered = admin.nodes().withName(NODE).get();
    assertThat(registered.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo(cp.controlPlane().kubernetesVersion());
    assertThat(registered.getStatus().getNodeInfo().getKernelVersion()).isEqualTo(image.kernel().kernelRelease());
    assertThat(registered.getStatus().getNodeInfo().getContainerRuntimeVersion()).startsWith("containerd://1.6.");
    Pod pod = await("the node daemon's pod Ready on " + NODE, POD_READY, () -> daemonPod().filter(NodeTierTest::podReady));
    timings.mark("daemon-pod-ready");
    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo(DAEMON_SA);
    assertThat(node.exec("test -d /sys/kernel/livepatch && echo present", Duration.ofSeconds(30))).contains("present");
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
