package dev.livepatch.e2e.fleet;

import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.daemon.converge.ConvergerSettings;
import dev.livepatch.daemon.kernel.Errno;
import dev.livepatch.daemon.module.CachingModuleStore;
import dev.livepatch.daemon.sim.ElfModules;
import dev.livepatch.daemon.sim.SimKernel;
import dev.livepatch.daemon.sim.SimNode;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * N simulated nodes in one process against a real API server: for each a Node object (labels,
 * kernel version, Ready set through the status subresource) and a {@link FleetNode} running the real
 * daemon code over a {@link SimKernel}. One informer watches every NodeLivePatch for the whole fleet
 * and one scheduled pool runs every daemon's passes, resyncs and timed events.
 *
 * <pre>{@code
 * try (SimFleet fleet = SimFleet.start(client, FleetSettings.defaults().withLabels(Map.of("pool", "a")))) {
 *   fleet.addNodes("node", 20);                               // node-00 .. node-19
 *   ModuleSource src = fleet.module("lp_fix", false);         // a livepatch ELF on every host, with its sha256
 *   ...
 *   fleet.reboot("node-03"); fleet.node("node-04").kill(); fleet.deleteNode("node-05");
 * }
 * }</pre>
 *
 * <p>Module files: {@link #module} writes a livepatch ELF for the fleet's kernel (with the right
 * vermagic) under {@code /opt/livepatch/} of every host root, now and for nodes added later, and
 * returns a {@code hostPath} source with its sha256.
 */
public final class SimFleet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SimFleet.class);
  public static final String OS_LABEL = "kubernetes.io/os";
  public static final String HOSTNAME_LABEL = "kubernetes.io/hostname";
  /** Every node of a fleet carries this label with the fleet's id: selectors and cleanup use it. */
  public static final String FLEET_LABEL = "e2e.livepatch.dev/fleet";
  private static final Duration KERNEL_TICK = Duration.ofMillis(100);

  private final KubernetesClient client;
  private final FleetSettings settings;
  private final String id;
  private final Path hosts;
  private final ScheduledThreadPoolExecutor pool;
  private final SharedIndexInformer<NodeLivePatch> informer;
  private final Map<String, FleetNode> nodes = new ConcurrentHashMap<>();
  private final Map<String, byte[]> modules = new LinkedHashMap<>();
  private final Random random;
  /** Nodes whose random stall ends {@code stallFor} after their first transition starts. */
  private final java.util.Set<FleetNode> timedStalls = ConcurrentHashMap.newKeySet();
  private final ConvergerSettings executorSettings;
  private volatile boolean closed;

  private SimFleet(KubernetesClient client, FleetSettings settings, String id, Path hosts) {
    this.client = client;
    this.settings = settings;
    this.id = id;
    this.hosts = hosts;
    this.random = new Random(settings.seed());
    this.executorSettings = new ConvergerSettings(settings.unloadGrace(), settings.poll(), Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(5), 64);
    this.pool = new ScheduledThreadPoolExecutor(settings.threads(), daemonThreads("fleet-" + id));
    this.pool.setRemoveOnCancelPolicy(true);
    this.informer = client.resources(NodeLivePatch.class).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(NodeLivePatch obj) {
        triggerFor(obj);
      }

      @Override
      public void onUpdate(NodeLivePatch oldObj, NodeLivePatch newObj) {
        if (!Objects.equals(oldObj.getMetadata().getGeneration(), newObj.getMetadata().getGeneration())
            || !Objects.equals(oldObj.getMetadata().getUid(), newObj.getMetadata().getUid())) {
          triggerFor(newObj);
        }
      }

      @Override
      public void onDelete(NodeLivePatch obj, boolean deletedFinalStateUnknown) {
        // as the real daemon: an absent object is never read as "retire everything"
      }
    });
    // A real kernel moves on by itself, daemon or not: transitions complete while a daemon is down.
    pool.scheduleWithFixedDelay(this::tickKernels, KERNEL_TICK.toMillis(), KERNEL_TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Starts an empty fleet: its informer, its pool and a host directory for its nodes. Add nodes next. */
  public static SimFleet start(KubernetesClient client, FleetSettings settings) {
    String id = Long.toString(System.nanoTime() & 0xffffffL, 36) + Integer.toString(new Random().nextInt(1296), 36);
    try {
      return new SimFleet(client, settings, id, Files.createTempDirectory("livepatch-fleet-" + id + "-"));
    } catch (IOException e) {
      throw new UncheckedIOException("failed to create the fleet's host directory: " + e.getMessage() + "; nothing started", e);
    }
  }

  /** The fleet's id, the value of {@value #FLEET_LABEL} on its nodes. */
  public String id() {
    return id;
  }

  public FleetSettings settings() {
    return settings;
  }

  /** Labels selecting exactly this fleet's nodes. */
  public Map<String, String> selector() {
    return Map.of(FLEET_LABEL, id);
  }

  /** Adds {@code count} nodes named {@code <prefix>-00}, {@code <prefix>-01}, ... (two digits at least). */
  public List<String> addNodes(String prefix, int count) {
    List<String> names = new ArrayList<>();
    int width = Math.max(2, String.valueOf(count - 1).length());
    for (int i = 0; i < count; i++) {
      names.add(String.format("%s-%0" + width + "d", prefix, i));
    }
    names.forEach(n -> addNode(n, Map.of()));
    return names;
  }

  /**
   * Adds one node: its host root with every published module, its kernel (latency, stall and failure
   * drawn from the settings), its Node object made Ready, and its daemon.
   */
  public FleetNode addNode(String name, Map<String, String> extraLabels) {
    Duration latency;
    boolean stall;
    boolean fail;
    synchronized (random) {
      long span = settings.latencyMax().toMillis() - settings.latencyMin().toMillis();
      latency = settings.latencyMin().plusMillis(span == 0 ? 0 : (long) (random.nextDouble() * (span + 1)));
      stall = random.nextDouble() < settings.stallRate();
      fail = random.nextDouble() < settings.failureRate();
    }
    SimKernel.Config config = new SimKernel.Config(settings.kernelRelease(), false, false, false, latency, null);
    FleetNode node = new FleetNode(name, hosts.resolve(name), config, client, pool, executorSettings, settings.resync(), this::nodeLivePatch);
    synchronized (modules) {
      modules.forEach((module, content) -> writeModule(node, module, content));
    }
    if (stall) {
      node.stall();
      if (settings.stallFor() != null) {
        timedStalls.add(node);
      }
    }
    if (fail) {
      failNextLoad(node);
    }
    if (nodes.putIfAbsent(name, node) != null) {
      throw new IllegalArgumentException("failed to add node " + name + ": the fleet already has it; nothing changed");
    }
    createNodeObject(name, extraLabels, bootId(node));
    node.startDaemon();
    return node;
  }

  /** Deletes the Node object and stops its daemon (the machine is gone). Its NodeLivePatch goes by garbage collection. */
  public void deleteNode(String name) {
    FleetNode node = require(name);
    node.kill();
    nodes.remove(name);
    client.nodes().withName(name).delete();
  }

  /**
   * Reboots a node: the daemon dies with the machine, the kernel comes back empty with a new boot
   * id (Node {@code status.nodeInfo.bootID} follows), and the DaemonSet's daemon starts again.
   */
  public String reboot(String name) {
    FleetNode node = require(name);
    String bootId = node.rebootKernel(UUID.randomUUID().toString());
    setNodeStatus(name, bootId);
    node.startDaemon();
    return bootId;
  }

  /** Stalls every transition on the node until {@link #unstall}. */
  public void stall(String name) {
    require(name).stall();
  }

  public void unstall(String name) {
    require(name).unstall();
  }

  /** The node's next insmod fails (as a bad module or a kernel refusing it would): its module ends {@code Failed}, LoadFailed. */
  public void failNextLoad(String name) {
    failNextLoad(require(name));
  }

  private static void failNextLoad(FleetNode node) {
    node.onKernel(k -> k.failNextInsmod(Errno.OTHER));
  }

  /** Publishes a livepatch module for the fleet's kernel on every host (and later ones); returns its hostPath source. */
  public ModuleSource module(String name, boolean atomicReplace) {
    byte[] content = ElfModules.livepatch(name, settings.kernelRelease(), atomicReplace);
    synchronized (modules) {
      modules.put(name, content);
      nodes.values().forEach(n -> writeModule(n, name, content));
    }
    return ModuleSource.hostPath(hostPath(name), CachingModuleStore.sha256(content));
  }

  /**
   * Publishes another build of module {@code name} (same patch name, different content and sha256,
   * e.g. a conflicting LivePatch's copy) as {@code /opt/livepatch/<name>-<build>.ko}.
   */
  public ModuleSource moduleBuild(String name, String build) {
    byte[] content = ElfModules.withModinfo(Map.of("name", name, "livepatch", "Y", "license", "GPL", "version", build,
        "vermagic", settings.kernelRelease() + " SMP preempt mod_unload modversions ", SimKernel.REPLACE_KEY, "N"));
    String file = name + "-" + build;
    synchronized (modules) {
      modules.put(file, content);
      nodes.values().forEach(n -> writeModule(n, file, content));
    }
    return ModuleSource.hostPath(hostPath(file), CachingModuleStore.sha256(content));
  }

  public FleetNode node(String name) {
    return require(name);
  }

  /** Whether the node is (still) part of this fleet. */
  public boolean contains(String name) {
    return nodes.containsKey(name);
  }

  /** The nodes, by name. */
  public List<FleetNode> nodes() {
    return nodes.values().stream().sorted(Comparator.comparing(FleetNode::name)).toList();
  }

  public List<String> names() {
    return nodes().stream().map(FleetNode::name).toList();
  }

  /** Kernels with a transition in flight right now (the truth behind "nodes in a kernel transition at once"). */
  public int kernelsInTransition() {
    return (int) nodes.values().stream().filter(n -> n.kernel().inTransition()).count();
  }

  /** The informer's copy of a node's NodeLivePatch, or null. */
  public NodeLivePatch nodeLivePatch(String name) {
    return informer.getStore().getByKey(name);
  }

  /** Kernel transitions started on each node so far (a node redone shows more than its modules). */
  public Map<String, Integer> transitionsStarted() {
    Map<String, Integer> out = new HashMap<>();
    nodes.values().forEach(n -> out.put(n.name(), n.kernel().transitionsStarted()));
    return out;
  }

  /**
   * Stops every daemon and the informer, deletes the fleet's Node objects (their NodeLivePatches
   * follow by garbage collection) and its host directory. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    nodes.values().forEach(FleetNode::kill);
    informer.close();
    pool.shutdownNow();
    try {
      client.nodes().withLabel(FLEET_LABEL, id).delete();
    } catch (KubernetesClientException e) {
      log.warn("failed to delete the Node objects of fleet {}: {}", id, e.getMessage());
    }
    deleteTree(hosts);
  }

  private void tickKernels() {
    for (FleetNode n : nodes.values()) {
      n.tick();
      if (n.kernel().inTransition() && timedStalls.remove(n)) {
        pool.schedule(n::unstall, settings.stallFor().toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  // ---- Node objects ----

  private void createNodeObject(String name, Map<String, String> extraLabels, String bootId) {
    Map<String, String> labels = new LinkedHashMap<>(settings.labels());
    labels.putAll(extraLabels);
    labels.put(OS_LABEL, "linux");
    labels.put(HOSTNAME_LABEL, name);
    labels.put(FLEET_LABEL, id);
    Node node = new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build();
    client.nodes().resource(node).create();
    setNodeStatus(name, bootId);
  }

  /** As the kubelet reports it: kernel version, OS, boot id, and Ready. */
  private void setNodeStatus(String name, String bootId) {
    String now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    NodeCondition ready = new NodeConditionBuilder().withType("Ready").withStatus("True").withReason("KubeletReady")
        .withMessage("simulated kubelet is posting ready status").withLastHeartbeatTime(now).withLastTransitionTime(now).build();
    client.nodes().withName(name).editStatus(n -> new NodeBuilder(n).editOrNewStatus()
        .editOrNewNodeInfo().withKernelVersion(settings.kernelRelease()).withOperatingSystem("linux").withArchitecture("amd64")
        .withBootID(bootId).withOsImage("Debian GNU/Linux 12 (bookworm)").withKubeletVersion("v1.34.4").withContainerRuntimeVersion("sim://1")
        .withMachineID(name).withSystemUUID(name).endNodeInfo()
        .withConditions(ready).endStatus().build());
  }

  private static String bootId(FleetNode node) {
    try {
      return Files.readString(node.root().resolve("proc/sys/kernel/random/boot_id")).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- helpers ----

  private void triggerFor(NodeLivePatch nlp) {
    FleetNode node = nodes.get(nlp.getMetadata().getName());
    if (node != null) {
      node.trigger();
    }
  }

  private FleetNode require(String name) {
    FleetNode node = nodes.get(name);
    if (node == null) {
      throw new IllegalArgumentException("no node " + name + " in fleet " + id + " (nodes: " + nodes.keySet() + ")");
    }
    return node;
  }

  private static String hostPath(String module) {
    return "/" + SimNode.MODULE_DIR + "/" + module + ".ko";
  }

  private static void writeModule(FleetNode node, String module, byte[] content) {
    try {
      Path file = node.root().resolve(SimNode.MODULE_DIR).resolve(module + ".ko");
      Files.createDirectories(file.getParent());
      Files.write(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to write module " + module + " on node " + node.name() + ": " + e.getMessage(), e);
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          log.debug("failed to delete {}: {}", p, e.toString());
        }
      });
    } catch (IOException e) {
      log.warn("failed to delete the fleet's host directory {}: {}", root, e.toString());
    }
  }
}
