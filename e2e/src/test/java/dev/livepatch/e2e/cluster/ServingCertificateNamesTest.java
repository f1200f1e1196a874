package dev.livepatch.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.controlplane.ControlPlaneSettings;
import dev.livepatch.fixtures.controlplane.TlsHandshake;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A control plane whose serving certificate names more than kube-api-test's: a client reaching the
 * API server by one of those names verifies the chain and the host name (the JDK's HTTPS rules), as
 * a pod does that reaches it by an address the cluster's default certificate does not name.
 */
@ClusterTest
class ServingCertificateNamesTest {

  private static ControlPlane own;

  @BeforeAll
  static void start() {
    own = ControlPlane.start(ControlPlaneSettings.defaults().withControllers().withServingCertificateNames("10.88.0.1", "localhost"));
  }

  @AfterAll
  static void stop() {
    if (own != null) {
      own.close();
    }
  }

  @Test
  void theApiServerPresentsACertificateNamingTheExtraNamesBesideKubeApiTestsOwn() throws Exception {
    X509Certificate served = handshake(own, "127.0.0.1");
    List<String> names = served.getSubjectAlternativeNames().stream().map(n -> n.get(1).toString()).toList();
    assertThat(names).contains("10.88.0.1", "localhost", "127.0.0.1", "kubernetes.default.svc");
    assertThat(own.client().namespaces().withName("default").get()).as("the admin kubeconfig trusts it").isNotNull();
  }

  @Test
  void aClientVerifiesTheHostNameForAnExtraIpAndDnsName() throws Exception {
    assertThat(handshake(own, "10.88.0.1")).isNotNull();
    assertThat(handshake(own, "localhost")).isNotNull();
    assertThatThrownBy(() -> handshake(own, "10.88.0.2")).isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("10.88.0.2");
  }

  @Test
  void theDefaultCertificateDoesNotNameThem(ControlPlane shared) {
    assertThatThrownBy(() -> handshake(shared, "localhost")).isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("localhost");
  }

  @Test
  void aNameThatIsNeitherAnAddressNorADnsNameIsRefused() {
    for (String bad : List.of("", "10.88.0.1 ", "Upper.Example", "under_score", "-leading.dash", "10.88.0.1:6443", "fd00::1::2::3")) {
      assertThatThrownBy(() -> ControlPlaneSettings.defaults().withServingCertificateNames(bad)).as("'%s'", bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + bad + "'");
    }
    assertThat(ControlPlaneSettings.defaults().withServingCertificateNames("fd00::1", "api.example.test").servingCertificateNames())
        .containsExactly("fd00::1", "api.example.test");
  }

  /** A handshake with the API server's loopback port, trusting its serving certificate, as a client that reached it by {@code host}. */
  private static X509Certificate handshake(ControlPlane cp, String host) throws IOException, GeneralSecurityException {
    return TlsHandshake.presented(URI.create(cp.client().getMasterUrl().toString()),
        cp.workDir().resolve(Path.of("kube-api-test", "apiserver.crt")), host);
  }
}
