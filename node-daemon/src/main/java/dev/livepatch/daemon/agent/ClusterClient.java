package dev.livepatch.daemon.agent;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.StandardHttpClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;

import javax.net.ssl.TrustManager;

/** The daemon's Kubernetes client: Fabric8's, configured as Fabric8 finds it, trusting only the cluster CA. */
public final class ClusterClient {
    private ClusterClient() {}

    /** The client for the pod's (or the kubeconfig's) API server. */
    public static KubernetesClient connect() {
        Config config = Config.autoConfigure(null);
        // Fabric8 retries a 429/5xx ten times with a doubling backoff by default (~19 s per ConfigMap read): the
        // daemon backs off across slices itself, so one read must not hold its worker that long.
        config.setRequestRetryBackoffLimit(1);
        return connect(config);
    }

    /** With a CA configured the client trusts it alone; without one (and with trustCerts) Fabric8's own trust. */
    public static KubernetesClient connect(Config config) {
        KubernetesClientBuilder builder = new KubernetesClientBuilder().withConfig(config);
        if (!config.isTrustCerts()) {
            ClusterCa.trustManagers(config).ifPresent(trust -> builder.withHttpClientFactory(new ClusterCaFactory(trust)));
        }
        return builder.build();
    }

    /**
     * Fabric8's JDK client with the cluster CA's trust managers. Fabric8 builds its trust managers from
     * the JDK's whole cacerts plus the CA (about 150 certificates parsed and kept); with trustCerts set
     * for the one call that applies the configuration it skips that, and its trust-all managers are then
     * replaced (hostname verification is the JDK client's and stays on).
     */
    private static final class ClusterCaFactory extends JdkHttpClientFactory {
        private final TrustManager[] trust;

        ClusterCaFactory(TrustManager[] trust) {
            this.trust = trust;
        }

        @Override
        public HttpClient.Builder newBuilder(Config config) {
            StandardHttpClientBuilder<?, ?, ?> builder = newBuilder();
            config.setTrustCerts(true);
            try {
                HttpClientUtils.applyCommonConfiguration(config, builder, this);
            } finally {
                config.setTrustCerts(false);
            }
            builder.sslContext(builder.getKeyManagers(), trust);
            return builder;
        }
    }
}
