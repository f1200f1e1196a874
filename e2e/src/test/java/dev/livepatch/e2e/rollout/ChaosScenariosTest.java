package dev.livepatch.e2e.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.e2e.bench.OperatorProcess;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.fleet.FleetNode;
import dev.livepatch.fixtures.fleet.FleetSettings;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The operator as its own process, SIGKILLed and restarted, on the real control plane, while the
 * LivePatch's modules change under it and daemons die: the rollout's limits are kernel truth,
 * sampled every 20 ms from the simulated kernels.
 */
@ClusterTest
class ChaosScenariosTest {
  private static final int MAX_CONCURRENT = 2;
  private static final Duration CHAOS = Duration.ofSeconds(45);

  @Test
  void killedOperatorsEditedModulesAndDyingDaemonsNeverMoveMoreKernelsThanMaxConcurrent(ControlPlane cp) throws Exception {
    Random random = new Random(Long.getLong("chaos.seed", System.nanoTime()));
    Path dir = Files.createDirectories(Path.of("target", "chaos", ControlPlane.uniqueName("run")));
    try (Scenario s = Scenario.startWithoutOperator(cp, FleetSettings.defaults().withLatency(Duration.ofMillis(1000), Duration.ofMillis(2000)))) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("chaos"), 10);
      PatchModule pinned = s.module("lp_chaos_pin", false);
      List<String> versions = new ArrayList<>(List.of("lp_chaos_c000"));
      String lp = s.livePatch("chaos", List.of(pinned, s.module(versions.get(0), true)),
          spec -> {
            spec.getRollout().setMaxConcurrent(new IntOrString(MAX_CONCURRENT));
            spec.getRollout().setNodeCooldown("3s"); // a node just admitted cools down, so an edit sends the next admission elsewhere
          });
      AtomicReference<OperatorProcess> operator = new AtomicReference<>(startOperator(cp, dir, "chaos", false));
      AtomicIntegerArray histogram = new AtomicIntegerArray(nodes.size() + 1);
      Set<String> lostPinned = ConcurrentHashMap.newKeySet();
      Map<String, List<String>> cumulativeSeen = new ConcurrentHashMap<>();
      int kills = 0;
      int daemonKills = 0;
      try (Sampler kernels = new Sampler(Duration.ofMillis(20), () -> sample(s, histogram, lostPinned, cumulativeSeen))) {
        Instant end = Instant.now().plus(CHAOS);
        Instant nextKill = Instant.now().plusMillis(4000 + random.nextInt(6000));
        Instant nextDaemonKill = Instant.now().plusMillis(1000 + random.nextInt(2000));
        Map<FleetNode, Instant> deadDaemons = new HashMap<>();
        while (Instant.now().isBefore(end)) {
          String next = String.format("lp_chaos_c%03d", versions.size());
          PatchModule cumulative = s.module(next, true);
          versions.add(next);
          editModules(s, lp, List.of(pinned, cumulative));
          if (Instant.now().isAfter(nextKill)) {
            operator.get().kill();
            kills++;
            RolloutScenariosTest.sleep(Duration.ofMillis(100 + random.nextInt(1400)));
            operator.set(startOperator(cp, dir, "chaos", false));
            nextKill = Instant.now().plusMillis(4000 + random.nextInt(6000));
          }
          if (Instant.now().isAfter(nextDaemonKill)) {
            FleetNode victim = s.fleet.node(nodes.get(random.nextInt(nodes.size())));
            if (!deadDaemons.containsKey(victim)) {
              victim.kill();
              daemonKills++;
              deadDaemons.put(victim, Instant.now().plusMillis(300 + random.nextInt(1700)));
            }
            nextDaemonKill = Instant.now().plusMillis(1000 + random.nextInt(2000));
          }
          deadDaemons.entrySet().removeIf(e -> {
            if (Instant.now().isAfter(e.getValue())) {
              e.getKey().startDaemon();
              return true;
            }
            return false;
          });
          RolloutScenariosTest.sleep(Duration.ofMillis(300 + random.nextInt(400)));
        }
        deadDaemons.keySet().forEach(FleetNode::startDaemon);
        String last = versions.get(versions.size() - 1);
        s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete && st.getUpdatedNodes() == nodes.size(), Duration.ofSeconds(90));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
          assertThat(s.fleet.kernelsInTransition()).isZero();
          nodes.forEach(n -> assertThat(s.fleet.node(n).kernel().enabledPatches()).as(n).containsExactly("lp_chaos_pin", last));
        });
        int peak = IntStream.range(0, histogram.length()).filter(i -> histogram.get(i) > 0).max().orElse(0);
        System.out.printf("chaos: %d edits, %d operator SIGKILLs, %d daemon kills, %d samples every 20 ms; peak kernels in a transition %d"
            + " (maxConcurrent %d); histogram %s%n", versions.size() - 1, kills, daemonKills, kernels.samples(), peak, MAX_CONCURRENT,
            histogram(histogram));
        assertThat(kernels.samples()).isGreaterThan(1000);
        assertThat(kills).isPositive();
        assertThat(peak).as("kernels in a transition at once, sampled: %s", histogram(histogram)).isLessThanOrEqualTo(MAX_CONCURRENT);
      } finally {
        operator.get().close();
      }
      assertThat(lostPinned).as("nodes whose kernel lost the pinned patch once it was on (sampled)").isEmpty();
      for (String node : nodes) {
        List<String> seen = cumulativeSeen.getOrDefault(node, List.of());
        assertThat(seen).as("cumulative versions enabled on %s, in order: none twice (no node redone)", node).doesNotHaveDuplicates();
        assertThat(specContents(s, node, lp)).as("contents %s was given, in order: none twice", node).doesNotHaveDuplicates();
      }
    }
  }

  /**
   * Two operator processes elect one leader through a Lease; the leader is SIGKILLed mid-rollout,
   * the other takes over within the lease (15 s, JOSDK's default) and no node is admitted twice.
   */
  @Test
  void theStandbyTakesOverFromAKilledLeaderWithinTheLeaseAndAdmitsNoNodeTwice(ControlPlane cp) throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "chaos", ControlPlane.uniqueName("lease")));
    try {
      cp.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("livepatch-system").endMetadata().build()).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    try (Scenario s = Scenario.startWithoutOperator(cp, FleetSettings.defaults().withLatency(Duration.ofMillis(800), Duration.ofMillis(1200)))) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("lease"), 10);
      String lease = ControlPlane.uniqueName("lease");
      Map<String, OperatorProcess> replicas = new HashMap<>();
      try (Sampler kernels = new Sampler(Duration.ofMillis(20), s.fleet::kernelsInTransition)) {
        replicas.put("replica-a", startOperator(cp, dir, "replica-a", true, lease));
        replicas.put("replica-b", startOperator(cp, dir, "replica-b", true, lease));
        String leader = await().atMost(Duration.ofSeconds(60)).until(() -> holder(s, lease), h -> h != null && replicas.containsKey(h));
        String lp = s.livePatch("lease", List.of(s.module("lp_lease_fix", true)),
            spec -> spec.getRollout().setMaxConcurrent(new IntOrString(MAX_CONCURRENT)));
        s.awaitStatus(lp, st -> st.getUpdatedNodes() >= 3, Duration.ofSeconds(60));
        replicas.get(leader).kill();
        Instant killed = Instant.now();
        String standby = leader.equals("replica-a") ? "replica-b" : "replica-a";
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> standby.equals(holder(s, lease)));
        Duration takeover = Duration.between(killed, Instant.now());
        s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete && st.getUpdatedNodes() == nodes.size(), Duration.ofSeconds(60));
        System.out.printf("leader election: %s killed, %s took over after %d ms; peak kernels in a transition %d%n", leader, standby,
            takeover.toMillis(), kernels.max());
        assertThat(takeover).as("takeover after the leader's SIGKILL").isLessThanOrEqualTo(Duration.ofSeconds(20));
        assertThat(kernels.max()).isLessThanOrEqualTo(MAX_CONCURRENT);
        for (String node : nodes) {
          assertThat(ResilienceScenariosTest.countAdmissions(s.watch.history(node), lp)).as("times %s was admitted", node).isEqualTo(1);
          assertThat(s.fleet.node(node).kernel().transitionsStarted()).as("kernel transitions on %s", node).isEqualTo(1);
        }
      } finally {
        replicas.values().forEach(OperatorProcess::close);
      }
    }
  }

  private static OperatorProcess startOperator(ControlPlane cp, Path dir, String identity, boolean leaderElection, String... lease)
      throws java.io.IOException {
    Map<String, String> env = new HashMap<>(Map.of(
        "LIVEPATCH_LEADER_ELECTION", Boolean.toString(leaderElection),
        "LIVEPATCH_IDENTITY", identity,
        "LIVEPATCH_RESYNC", "5s",
        "LIVEPATCH_SLOW_TRANSITION", "3s",
        "LIVEPATCH_SLOWED_MIN_INTERVAL", "1s",
        "LIVEPATCH_MAX_SLOWED_INTERVAL", "4s",
        "LIVEPATCH_RECOVERY_TRANSITIONS", "2"));
    if (lease.length > 0) {
      env.put("LIVEPATCH_LEASE_NAME", lease[0]);
    }
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return OperatorProcess.start(classpath, cp.kubeconfig(), Files.createDirectories(dir.resolve(identity + "-" + System.nanoTime())), "256m", env);
  }

  private static String holder(Scenario s, String lease) {
    Lease l = s.client.leases().inNamespace("livepatch-system").withName(lease).get();
    return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }

  /** Replaces the modules, retrying a lost race (the operator adds its finalizer, writes status). */
  private static void editModules(Scenario s, String lp, List<PatchModule> modules) {
    for (int attempt = 0; ; attempt++) {
      try {
        s.edit(lp, spec -> spec.setModules(new ArrayList<>(modules)));
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt > 5) {
          throw e;
        }
      }
    }
  }

  /** One sample: kernels in a transition now; pinned patches lost; each node's cumulative version when it changes. */
  private static int sample(Scenario s, AtomicIntegerArray histogram, Set<String> lostPinned, Map<String, List<String>> cumulativeSeen) {
    int inTransition = 0;
    for (FleetNode n : s.fleet.nodes()) {
      if (n.kernel().inTransition()) {
        inTransition++;
      }
      List<String> enabled = n.kernel().enabledPatches();
      List<String> seen = cumulativeSeen.computeIfAbsent(n.name(), k -> new ArrayList<>());
      if (!seen.isEmpty() && !enabled.contains("lp_chaos_pin")) {
        lostPinned.add(n.name());
      }
      enabled.stream().filter(p -> p.startsWith("lp_chaos_c")).reduce((a, b) -> b).ifPresent(latest -> {
        if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(latest)) {
          seen.add(latest);
        }
      });
    }
    histogram.incrementAndGet(inTransition);
    return inTransition;
  }

  /** The cumulative module each spec version of the node named for the LivePatch, consecutive repeats folded. */
  private static List<String> specContents(Scenario s, String node, String lp) {
    List<String> out = new ArrayList<>();
    for (NodeWatch.Seen v : s.watch.history(node)) {
      String content = v.spec().stream().filter(m -> lp.equals(m.getLivePatch()) && m.getName().startsWith("lp_chaos_c"))
          .map(NodeModule::getName).collect(Collectors.joining(","));
      if (!content.isEmpty() && (out.isEmpty() || !out.get(out.size() - 1).equals(content))) {
        out.add(content);
      }
    }
    return out;
  }

  private static String histogram(AtomicIntegerArray h) {
    Set<String> parts = new LinkedHashSet<>();
    for (int i = 0; i < h.length(); i++) {
      if (h.get(i) > 0) {
        parts.add(i + ": " + h.get(i));
      }
    }
    return "{" + String.join(", ", parts) + "}";
  }
}
