package dev.livepatch.e2e.bench;

import dev.livepatch.api.fixture.DaemonReport;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * N simulated nodes made as light as the NodeLivePatch contract allows, for fleet benchmarks: a
 * Node object each (linux label, kernel version, Ready through the status subresource) and one
 * shared informer over every NodeLivePatch standing in for N daemons. A daemon reports its kernel
 * once when its NodeLivePatch appears; when it sees a spec generation it has not acted on, it
 * waits the fixed transition time T and then writes its {@link DaemonReport}: every spec module
 * {@code Enabled}, {@code observedGeneration} = that generation, a finished transition of T for
 * each newly enabled module (docs/node-contract.md). No kernel, no module store, no retries beyond
 * a 409 (the next event brings the newer object).
 */
final class LightFleet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LightFleet.class);
  static final String KERNEL = "6.1.0-56-amd64";
  /** Status writes in flight: enough for 500 nodes finishing every 2 s (250 writes/s at ~100 ms each). */
  private static final int WRITERS = 64;

  private final KubernetesClient client;
  private final HttpClient http;
  private final Duration transition;
  private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "lightfleet-timer"));
  private final ExecutorService writers = Executors.newFixedThreadPool(WRITERS, r -> daemon(r, "lightfleet-writer"));
  /** Per node, the spec generation whose transition is scheduled or reported. */
  private final Map<String, Long> acting = new ConcurrentHashMap<>();
  private final AtomicLong statusWrites = new AtomicLong();
  private final AtomicLong statusWriteNanos = new AtomicLong();
  private SharedIndexInformer<NodeLivePatch> informer;

  LightFleet(KubernetesClient client, Duration transition) {
    this.client = client;
    this.http = client.getHttpClient();
    this.transition = transition;
  }

  /** Creates nodes {@code prefix-00000 ..} (a few requests in parallel), each Ready with the fleet's kernel. */
  void createNodes(String prefix, int count) throws InterruptedException {
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = String.format("%s-%05d", prefix, i);
      done.add(writers.submit(() -> createNode(name)));
    }
    for (Future<?> f : done) {
      try {
        f.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("failed to create a simulated node: " + e.getCause(), e.getCause());
      }
    }
  }

  private void createNode(String name) {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
        .addToLabels("kubernetes.io/os", "linux").addToLabels("kubernetes.io/hostname", name).endMetadata().build()).create();
    String status = Serialization.asJson(Map.of("status", Map.of(
        "nodeInfo", Map.of("kernelVersion", KERNEL, "operatingSystem", "linux", "architecture", "amd64", "bootID", name,
            "osImage", "Debian GNU/Linux 12 (bookworm)", "kubeletVersion", "v1.34.4", "containerRuntimeVersion", "sim://1",
            "machineID", name),
        "conditions", List.of(Map.of("type", "Ready", "status", "True", "reason", "KubeletReady",
            "lastHeartbeatTime", Instant.now().toString(), "lastTransitionTime", Instant.now().toString())))));
    client.nodes().withName(name).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), status);
  }

  /** Starts the daemons: one informer for the whole fleet. */
  void startDaemons() {
    informer = client.resources(NodeLivePatch.class).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(NodeLivePatch nlp) {
        seen(nlp);
      }

      @Override
      public void onUpdate(NodeLivePatch before, NodeLivePatch nlp) {
        seen(nlp);
      }

      @Override
      public void onDelete(NodeLivePatch nlp, boolean unknown) {
        acting.remove(nlp.getMetadata().getName());
      }
    }, 0);
  }

  private void seen(NodeLivePatch nlp) {
    String name = nlp.getMetadata().getName();
    long generation = nlp.getMetadata().getGeneration() == null ? 0 : nlp.getMetadata().getGeneration();
    Long previous = acting.get(name);
    if (previous != null && previous >= generation) {
      return;
    }
    acting.put(name, generation); // the informer calls back on one thread: no race here
    List<NodeModule> modules = nlp.getSpec() == null ? List.of() : nlp.getSpec().getModules();
    if (modules.isEmpty()) {
      writers.submit(() -> report(nlp, generation, null));  // the daemon started: kernel, nothing desired
      return;
    }
    Instant started = Instant.now();
    timers.schedule(() -> writers.submit(() -> report(nlp, generation, started)), transition.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void report(NodeLivePatch nlp, long generation, Instant started) {
    String name = nlp.getMetadata().getName();
    Instant now = Instant.now();
    double seconds = started == null ? 0 : Duration.between(started, now).toMillis() / 1000.0;
    NodeLivePatchStatus status = DaemonReport.on(nlp).kernel(KERNEL).bootId(name).at(now).transitionsTook(seconds, 0).status();
    try {
      long began = System.nanoTime();
      // One merge patch straight to the status subresource: Fabric8's patch(PatchContext, String) GETs the object first,
      // which would double the simulated daemons' requests and load the API server the operator is measured against.
      HttpRequest request = http.newHttpRequestBuilder()
          .uri(client.getMasterUrl() + "apis/livepatch.dev/v1alpha1/nodelivepatches/" + name + "/status")
          .method("PATCH", "application/merge-patch+json", Serialization.asJson(Map.of("status", status))).build();
      HttpResponse<String> response = http.sendAsync(request, String.class).get();
      if (!response.isSuccessful()) {
        throw new IllegalStateException("HTTP " + response.code() + ": " + response.body());
      }
      statusWriteNanos.addAndGet(System.nanoTime() - began);
      statusWrites.incrementAndGet();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | RuntimeException e) {
      log.warn("failed to report status node={} generation={}: {}", name, generation, e.getMessage());
      acting.remove(name, generation); // act again on the next event
    }
  }

  /** NodeLivePatches whose daemon has reported at least once. */
  long reporting() {
    return informer == null ? 0 : informer.getStore().list().stream().filter(n -> n.getStatus() != null
        && n.getStatus().getObservedGeneration() != null).count();
  }

  long statusWrites() {
    return statusWrites.get();
  }

  /** Mean time of a daemon's status write: how busy the API server is, as any client sees it. */
  double meanStatusWriteMillis() {
    return statusWrites.get() == 0 ? 0 : statusWriteNanos.get() / 1e6 / statusWrites.get();
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    timers.shutdownNow();
    writers.shutdownNow();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
