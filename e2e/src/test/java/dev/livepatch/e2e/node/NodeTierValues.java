package dev.livepatch.e2e.node;

/**
 * The chart values the node tier installs with: only what this test cluster lacks. There is no
 * kube-proxy, so the daemon's API endpoint is the pod bridge's gateway, where the guest relays to
 * the API server; that address is not in the API server's serving certificate (127.0.0.1 and the
 * {@code kubernetes.default.svc} names are), so the daemon's HTTP client (the JDK's) skips the host
 * name check, {@code jdk.internal.httpclient.disableHostnameVerification} (the chain is still
 * verified against the cluster's CA; Fabric8's own switch does not reach the JDK client). The operator's pod selects no node: the operator runs on the
 * host. JVM flags for a TCG guest (C1 only, serial GC).
 */
final class NodeTierValues {

  private NodeTierValues() {}

  static String yaml(String daemonImage) {
    int colon = daemonImage.lastIndexOf(':');
    return """
        operator:
          replicas: 1
          nodeSelector: {livepatch.dev/node-tier: operator-runs-on-the-host}
        nodeDaemon:
          image:
            repository: %s
            tag: %s
          javaOptions: "-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djdk.internal.httpclient.disableHostnameVerification=true"
          extraEnv:
            - {name: KUBERNETES_SERVICE_HOST, value: "10.88.0.1"}
            - {name: KUBERNETES_SERVICE_PORT, value: "6443"}
        """.formatted(daemonImage.substring(0, colon), daemonImage.substring(colon + 1));
  }
}
