package dev.livepatch.daemon.agent;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The daemon's client trusts the configured cluster CA and nothing else: not the JDK's default
 * trust store (here {@code javax.net.ssl.trustStore}, which Fabric8's own trust adds the CA to), not
 * a CA-signed certificate for another host name.
 */
class ClusterClientTest {
    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final String CONFIG_MAP = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\",\"namespace\":\"ns\"},\"data\":{\"k\":\"v\"}}";

    @TempDir
    Path dir;

    private HttpsServer server;

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
        System.clearProperty("javax.net.ssl.trustStore");
        System.clearProperty("javax.net.ssl.trustStorePassword");
    }

    @Test
    void trustsAServerWhoseCertificateTheClusterCaSigned() throws Exception {
        Config config = config(serve("server.p12"), "cluster-ca.crt");
        try (KubernetesClient client = ClusterClient.connect(config)) {
            assertThat(client.configMaps().inNamespace("ns").withName("cm").get().getData()).isEqualTo(Map.of("k", "v"));
        }
    }

    @Test
    void theCaGivenAsKubeconfigDataIsTrustedAsTheFileIs() throws Exception {
        int port = serve("server.p12");
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:" + port)
                .withCaCertData(java.util.Base64.getEncoder().encodeToString(resource("cluster-ca.crt")))
                .withRequestRetryBackoffLimit(0).build();
        try (KubernetesClient client = ClusterClient.connect(config)) {
            assertThat(client.configMaps().inNamespace("ns").withName("cm").get().getData()).isEqualTo(Map.of("k", "v"));
        }
    }

    @Test
    void refusesAServerSignedByACaThatOnlyTheDefaultTrustStoreHolds() throws Exception {
        int port = serve("other-ca-server.p12");
        defaultTrustStoreHolding("other-ca.crt");
        // The premise: Fabric8's own trust (the default store plus the cluster CA) takes this server.
        try (KubernetesClient fabric8 = new KubernetesClientBuilder().withConfig(config(port, "cluster-ca.crt")).build()) {
            assertThat(fabric8.configMaps().inNamespace("ns").withName("cm").get()).isNotNull();
        }
        try (KubernetesClient client = ClusterClient.connect(config(port, "cluster-ca.crt"))) {
            assertThatThrownBy(() -> client.configMaps().inNamespace("ns").withName("cm").get())
                    .satisfies(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(SSLHandshakeException.class));
        }
    }

    @Test
    void refusesACaSignedCertificateForAnotherHostName() throws Exception {
        try (KubernetesClient client = ClusterClient.connect(config(serve("wrong-host-server.p12"), "cluster-ca.crt"))) {
            assertThatThrownBy(() -> client.configMaps().inNamespace("ns").withName("cm").get())
                    .satisfies(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(SSLHandshakeException.class));
        }
    }

    @Test
    void theTrustManagersAcceptExactlyTheClusterCa() throws Exception {
        X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(resource("cluster-ca.crt")));
        TrustManager[] trust = ClusterCa.trustManagers(resource("cluster-ca.crt"));
        assertThat(trust).hasSize(1);
        assertThat(((X509TrustManager) trust[0]).getAcceptedIssuers()).containsExactly(ca);
    }

    @Test
    void noCaConfiguredLeavesFabric8sOwnTrust() {
        assertThat(ClusterCa.trustManagers(new ConfigBuilder(Config.empty()).build())).isEmpty();
    }

    private Config config(int port, String ca) throws Exception {
        Path caFile = dir.resolve(ca);
        Files.write(caFile, resource(ca));
        return new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:" + port).withCaCertFile(caFile.toString())
                .withRequestRetryBackoffLimit(0).build();
    }

    private void defaultTrustStoreHolding(String ca) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(resource(ca))));
        Path file = dir.resolve("default-truststore.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, PASSWORD);
        }
        System.setProperty("javax.net.ssl.trustStore", file.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
    }

    /** An HTTPS server on 127.0.0.1 with the certificate and key in {@code p12}; it answers every GET with one ConfigMap. */
    private int serve(String p12) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = new java.io.ByteArrayInputStream(resource(p12))) {
            keys.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", exchange -> {
            byte[] body = CONFIG_MAP.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server.getAddress().getPort();
    }

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = ClusterClientTest.class.getResourceAsStream("/tls/" + name)) {
            return in.readAllBytes();
        }
    }

    private static java.util.List<Throwable> causes(Throwable e) {
        java.util.List<Throwable> all = new java.util.ArrayList<>();
        for (Throwable t = e; t != null && !all.contains(t); t = t.getCause()) all.add(t);
        return all;
    }
}
