package dev.livepatch.e2e.node;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Comparator;
import java.util.List;

/** What the API server holds about the node and the chart's pods, for failure messages. */
final class NodeTierDiagnostics {

  private NodeTierDiagnostics() {}

  static String of(KubernetesClient admin, String namespace, String nodeName) {
    StringBuilder out = new StringBuilder("---- API server");
    try {
      Node node = admin.nodes().withName(nodeName).get();
      out.append("\nnode ").append(nodeName).append(": ").append(node == null ? "not registered"
          : node.getStatus().getConditions().stream().map(c -> c.getType() + "=" + c.getStatus() + " (" + c.getReason()
              + ": " + c.getMessage() + ")").toList());
      for (Pod p : admin.pods().inNamespace(namespace).list().getItems()) {
        out.append("\npod ").append(p.getMetadata().getName()).append(" on ").append(p.getSpec().getNodeName())
            .append(": ").append(p.getStatus().getPhase()).append(' ').append(p.getStatus().getContainerStatuses().stream()
                .map(c -> c.getName() + " ready=" + c.getReady() + " restarts=" + c.getRestartCount() + " " + c.getState())
                .toList());
      }
      List<Event> events = admin.v1().events().inAnyNamespace().list().getItems().stream()
          .sorted(Comparator.comparing(e -> String.valueOf(e.getLastTimestamp()))).toList();
      events.subList(Math.max(0, events.size() - 25), events.size()).forEach(e -> out.append("\nevent ")
          .append(e.getInvolvedObject().getKind()).append('/').append(e.getInvolvedObject().getName()).append(' ')
          .append(e.getReason()).append(": ").append(e.getMessage()));
    } catch (RuntimeException e) {
      out.append("\n(failed to read: ").append(e).append(')');
    }
    return out.toString();
  }
}
