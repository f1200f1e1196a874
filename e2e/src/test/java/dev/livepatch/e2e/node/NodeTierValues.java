package dev.livepatch.e2e.node;

import dev.livepatch.fixtures.fleet.SimFleet;

/**
 * The chart values the node tier installs with: only what this test cluster lacks. There is no
 * kube-proxy, so the daemon's API endpoint is the pod bridge's gateway, where the guest relays to
 * the API server (the serving certificate names that address, as a cluster's names its service
 * address: the daemon's client verifies the chain and the host name). The operator's pod selects
 * no node: the operator runs on the host. The daemon's pods keep off the simulated nodes (a node
 * affinity on the fleet's label): their daemons run in the test's JVM. The daemon's JVM flags are
 * the chart's own (its memory is measured as a user's pod has it), with a start budget of 300 s for
 * a TCG guest (the chart's 120 s was missed twice in a row by the guest's daemon on a loaded host). The boot restore's static pod directory and pause
 * image when given.
 */
final class NodeTierValues {

  /** The API server as the guest's pods reach it: the CNI bridge's gateway, relayed by the guest's socat. */
  static final String API_ADDRESS = "10.88.0.1";

  private NodeTierValues() {}

  /**
   * @param staticPodPath the kubelet's static pod directory for {@code nodeDaemon.bootRestore}; empty: the
   *     boot restore off (its values not set at all)
   */
  static String yaml(String daemonImage, String staticPodPath, String pauseImage) {
    int colon = daemonImage.lastIndexOf(':');
    String bootRestore = staticPodPath.isEmpty() ? "" : """
          bootRestore:
            staticPodPath: %s
            pauseImage: %s
        """.formatted(staticPodPath, pauseImage);
    return """
        operator:
          replicas: 1
          nodeSelector: {livepatch.dev/node-tier: operator-runs-on-the-host}
        nodeDaemon:
          image:
            repository: %s
            tag: %s
          startupProbe: {periodSeconds: 2, failureThreshold: 150}
          extraEnv:
            - {name: KUBERNETES_SERVICE_HOST, value: "%s"}
            - {name: KUBERNETES_SERVICE_PORT, value: "6443"}
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                  - matchExpressions:
                      - {key: %s, operator: DoesNotExist}
        %s""".formatted(daemonImage.substring(0, colon), daemonImage.substring(colon + 1), API_ADDRESS, SimFleet.FLEET_LABEL,
        bootRestore);
  }
}
