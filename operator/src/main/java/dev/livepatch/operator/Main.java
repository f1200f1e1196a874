package dev.livepatch.operator;

import dev.livepatch.operator.config.OperatorConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.CountDownLatch;

/** The operator's entry point: configuration from the environment (OperatorConfig.Setting), the client from kubeconfig or the pod's service account. */
public final class Main {
    static {
        // Before any logger exists: the operator's logging configuration by its own name (-Dlogback.configurationFile overrides).
        System.getProperties().putIfAbsent("logback.configurationFile", "livepatch-operator-logback.xml");
    }

    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        OperatorConfig config = OperatorConfig.fromEnv(System.getenv());
        KubernetesClient client = new KubernetesClientBuilder().build();
        LivePatchOperator operator = LivePatchOperator.start(client, config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            operator.stop();
            client.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
    }
}
