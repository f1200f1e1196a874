package dev.livepatch.e2e.rollout;

import dev.livepatch.api.v1alpha1.LivePatch;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every version of each LivePatch that a watch delivers, as the API server's JSON, from before it is created. */
final class LivePatchVersions implements AutoCloseable {
  private final Map<String, List<String>> versions = new ConcurrentHashMap<>();
  private final Set<String> deleted = ConcurrentHashMap.newKeySet();
  private final Watch watch;
  private volatile WatcherException closedBy;

  LivePatchVersions(KubernetesClient client) {
    watch = client.genericKubernetesResources(LivePatch.GROUP + "/" + LivePatch.VERSION, "LivePatch").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, GenericKubernetesResource resource) {
        String name = resource.getMetadata().getName();
        versions.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(Serialization.asJson(resource));
        if (action == Action.DELETED) {
          deleted.add(name);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        closedBy = cause;
      }
    });
  }

  List<String> versions(String name) {
    if (closedBy != null) {
      throw new AssertionError("the LivePatch watch closed, versions may be missing: " + closedBy.getMessage(), closedBy);
    }
    return List.copyOf(versions.getOrDefault(name, List.of()));
  }

  boolean deleted(String name) {
    return deleted.contains(name);
  }

  @Override
  public void close() {
    watch.close();
  }
}
