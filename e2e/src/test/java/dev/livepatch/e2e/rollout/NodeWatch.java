package dev.livepatch.e2e.rollout;

import dev.livepatch.api.fixture.DaemonReport;
import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeModule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Watches the NodeLivePatches of a set of nodes and records, in the order the API server gave
 * them, every version it sees: the status history a scenario checks afterwards (what the kernel
 * showed on each node, which specs each node was given), and the number of nodes in progress for a
 * LivePatch after every event — exact, because it is computed on this watcher's own copy, updated
 * one event at a time, not on a cache that moves while it is read.
 */
final class NodeWatch implements AutoCloseable {

  /** One observed version of a node's NodeLivePatch. */
  record Seen(String node, long generation, List<NodeModule> spec, List<KernelPatch> patches, List<ModuleStatus> modules,
              Long observedGeneration, String bootId) {

    boolean enabled(String patch) {
      return patches.stream().anyMatch(p -> p.getName().equals(patch) && Boolean.TRUE.equals(p.getEnabled()));
    }

    boolean loaded(String patch) {
      return patches.stream().anyMatch(p -> p.getName().equals(patch));
    }
  }

  private final Predicate<String> nodes;
  private final Map<String, NodeLivePatch> latest = new HashMap<>(); // touched by the informer's handler only
  private final Map<String, List<Seen>> history = new ConcurrentHashMap<>();
  private final Map<String, Integer> maxInProgress = new ConcurrentHashMap<>();
  private final Set<String> tracked = ConcurrentHashMap.newKeySet();
  private final SharedIndexInformer<NodeLivePatch> informer;

  NodeWatch(KubernetesClient client, Predicate<String> nodes) {
    this.nodes = nodes;
    this.informer = client.resources(NodeLivePatch.class).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(NodeLivePatch obj) {
        seen(obj);
      }

      @Override
      public void onUpdate(NodeLivePatch oldObj, NodeLivePatch newObj) {
        seen(newObj);
      }

      @Override
      public void onDelete(NodeLivePatch obj, boolean deletedFinalStateUnknown) {
        synchronized (latest) {
          latest.remove(obj.getMetadata().getName());
        }
      }
    });
  }

  /** Starts counting the nodes in progress for {@code livePatch} after every event (see {@link #maxInProgress}). */
  void track(String livePatch) {
    tracked.add(livePatch);
  }

  /** The most nodes seen in progress at once for a tracked LivePatch ({@link DaemonReport#inProgress}: admitted, not updated, not failed). */
  int maxInProgress(String livePatch) {
    return maxInProgress.getOrDefault(livePatch, 0);
  }

  /** Every version seen of a node's NodeLivePatch, oldest first. */
  List<Seen> history(String node) {
    return history.getOrDefault(node, List.of());
  }

  Map<String, List<Seen>> histories() {
    return Map.copyOf(history);
  }

  private void seen(NodeLivePatch nlp) {
    String name = nlp.getMetadata().getName();
    if (!nodes.test(name)) {
      return;
    }
    var status = nlp.getStatus();
    history.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(new Seen(name,
        nlp.getMetadata().getGeneration() == null ? 0 : nlp.getMetadata().getGeneration(),
        nlp.getSpec() == null ? List.of() : List.copyOf(nlp.getSpec().getModules()),
        status == null ? List.of() : List.copyOf(status.getPatches()),
        status == null ? List.of() : List.copyOf(status.getModules()),
        status == null ? null : status.getObservedGeneration(),
        status == null ? null : status.getBootId()));
    synchronized (latest) {
      latest.put(name, nlp);
      for (String lp : tracked) {
        int n = (int) latest.values().stream().filter(x -> DaemonReport.inProgress(x, lp)).count();
        maxInProgress.merge(lp, n, Math::max);
      }
    }
  }

  /** Nodes whose history shows {@code patch} enabled and, at some later version, not enabled. */
  List<String> nodesThatLost(String patch) {
    List<String> out = new ArrayList<>();
    history.forEach((node, seen) -> {
      boolean had = false;
      for (Seen s : seen) {
        if (s.enabled(patch)) {
          had = true;
        } else if (had) {
          out.add(node + " (at spec generation " + s.generation() + ", patches " + s.patches().stream().map(KernelPatch::getName).toList() + ")");
          break;
        }
      }
    });
    return out;
  }

  @Override
  public void close() {
    informer.close();
  }
}
