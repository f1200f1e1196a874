package dev.livepatch.e2e.node;

import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.controlplane.ControlPlaneBinaries;
import dev.livepatch.fixtures.controlplane.ControlPlaneSettings;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The node tier's control plane: the fixtures' etcd, kube-apiserver and kube-controller-manager
 * (with the {@code daemonset} controller) plus a kube-scheduler, with what a real kubelet needs
 * that the cluster tier's control plane leaves out: the ServiceAccount admission plugin (the pod's
 * projected token), the {@code system:node} ClusterRole bound to the group {@code system:nodes},
 * a client certificate per node signed by a CA the API server trusts for clients, and a serving
 * certificate that also names the address the guest's pods reach the API server at.
 */
final class NodeControlPlane implements AutoCloseable {

  private final ControlPlane cp;
  private final Process scheduler;
  private final Path dir;

  private NodeControlPlane(ControlPlane cp, Process scheduler, Path dir) {
    this.cp = cp;
    this.scheduler = scheduler;
    this.dir = dir;
  }

  static NodeControlPlane start(NodeTierImage image) {
    Path dir = image.workDir().resolve("control-plane");
    ControlPlane cp = ControlPlane.start(ControlPlaneSettings.defaults()
        .withControllers("garbagecollector", "namespace", "daemonset").withServingCertificateNames(NodeTierValues.API_ADDRESS),
        binariesWithServiceAccountAdmission(image, dir));
    try {
      cp.client().rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
          .withName("livepatch-node-tier:nodes").endMetadata()
          .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "system:node")
          .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group").withName("system:nodes").endSubject()
          .build()).serverSideApply();
      return new NodeControlPlane(cp, startScheduler(image, cp, dir), dir);
    } catch (RuntimeException e) {
      cp.close();
      throw e;
    }
  }

  ControlPlane controlPlane() {
    return cp;
  }

  KubernetesClient admin() {
    return cp.client();
  }

  int apiServerPort() {
    return URI.create(cp.client().getMasterUrl().toString()).getPort();
  }

  /** The API server's serving certificate (PEM, self-signed by kube-api-test): what its clients trust. */
  String servingCa() {
    Path cert = cp.workDir().resolve("kube-api-test/apiserver.crt");
    try {
      return Files.readString(cert, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read the API server's certificate " + cert, e);
    }
  }

  /**
   * The root CA ConfigMap ({@code kube-root-ca.crt}) a pod's projected token volume reads, in
   * {@code namespace}: kube-controller-manager's root-ca-cert-publisher needs a CA file the
   * fixtures do not give it.
   */
  void publishRootCa(String namespace) {
    admin().configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("kube-root-ca.crt").endMetadata().withData(Map.of("ca.crt", servingCa())).build()).serverSideApply();
  }

  /**
   * A kubeconfig for the kubelet of {@code node}: a client certificate for
   * {@code system:node:<node>} in {@code system:nodes}, signed by the tier's node CA (which the API
   * server's client CA bundle holds beside kube-api-test's own),
   * for the server at {@code server} (the guest's view of the API server).
   */
  Path nodeKubeconfig(String node, String server) {
    Path out = dir.resolve("node-" + node);
    try {
      Files.createDirectories(out);
      run(out, "openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "node.key", "-out", "node.csr",
          "-subj", "/O=system:nodes/CN=system:node:" + node);
      run(out, "openssl", "x509", "-req", "-in", "node.csr", "-CA", dir.resolve("bin/node-ca.crt").toString(),
          "-CAkey", dir.resolve("bin/node-ca.key").toString(), "-CAcreateserial", "-days", "2", "-out", "node.crt");
      String kubeconfig = """
          apiVersion: v1
          kind: Config
          clusters:
          - name: node-tier
            cluster:
              server: %s
              certificate-authority-data: %s
          users:
          - name: %s
            user:
              client-certificate-data: %s
              client-key-data: %s
          contexts:
          - name: node
            context: {cluster: node-tier, user: %s}
          current-context: node
          """.formatted(server, base64(servingCa().getBytes(StandardCharsets.UTF_8)), node,
          base64(Files.readAllBytes(out.resolve("node.crt"))), base64(Files.readAllBytes(out.resolve("node.key"))), node);
      Path file = out.resolve("kubeconfig");
      Files.writeString(file, kubeconfig, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("failed to write a kubeconfig for node " + node + " in " + out, e);
    }
  }

  Path schedulerLog() {
    return dir.resolve("kube-scheduler.log");
  }

  @Override
  public void close() {
    scheduler.destroy();
    try {
      if (!scheduler.waitFor(10, TimeUnit.SECONDS)) {
        scheduler.destroyForcibly();
      }
    } catch (InterruptedException e) {
      scheduler.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    cp.close();
  }

  private static ControlPlaneBinaries binariesWithServiceAccountAdmission(NodeTierImage image, Path dir) {
    ControlPlaneBinaries real = ControlPlaneBinaries.locate();
    Path bin = dir.resolve("bin");
    try {
      Files.createDirectories(bin);
      for (String name : List.of("etcd", "kubectl", "kube-controller-manager")) {
        Path link = bin.resolve(name);
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, real.directory().resolve(name));
      }
      Files.copy(image.nodeDir().resolve("kube-apiserver-with-sa-admission.sh"), bin.resolve("kube-apiserver"),
          StandardCopyOption.REPLACE_EXISTING);
      Files.writeString(bin.resolve("kube-apiserver.real"), real.kubeApiServer().toString(), StandardCharsets.UTF_8);
      if (!Files.isRegularFile(bin.resolve("node-ca.key"))) {
        run(bin, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "node-ca.key", "-out", "node-ca.crt",
            "-days", "3650", "-subj", "/CN=livepatch node tier kubelet CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("failed to lay out the node tier's control plane binaries in " + bin, e);
    }
    return ControlPlaneBinaries.inDirectory(bin, "node tier (" + real.origin() + ", ServiceAccount admission on)");
  }

  private static Process startScheduler(NodeTierImage image, ControlPlane cp, Path dir) {
    try (ServerSocket s = new ServerSocket(0)) {
      int port = s.getLocalPort();
      s.close();
      String kubeconfig = cp.kubeconfig().toString();
      return new ProcessBuilder(image.scheduler().toString(), "--kubeconfig=" + kubeconfig,
          "--authentication-kubeconfig=" + kubeconfig, "--authorization-kubeconfig=" + kubeconfig,
          "--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=" + port, "--v=1")
          .redirectErrorStream(true).redirectOutput(dir.resolve("kube-scheduler.log").toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("failed to start kube-scheduler " + image.scheduler(), e);
    }
  }

  private static void run(Path dir, String... command) throws IOException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("failed: " + String.join(" ", command) + "\n" + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
    }
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }
}
