package dev.livepatch.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.fixture.DaemonReport;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.daemon.time.ManualClock;
import dev.livepatch.operator.metrics.OperatorMetrics;
import dev.livepatch.operator.observer.Fleet;
import dev.livepatch.operator.observer.Observer;
import dev.livepatch.operator.rollout.PacingPolicy;
import dev.livepatch.operator.rollout.Planner;
import dev.livepatch.operator.rollout.Reasons;
import dev.livepatch.operator.testing.Fixtures;
import dev.livepatch.operator.testing.InMemoryCluster;
import dev.livepatch.operator.testing.ManualExecutor;
import dev.livepatch.operator.write.NodeSpec;
import dev.livepatch.operator.write.NodeSpecBatches;
import dev.livepatch.operator.write.StatusWriter;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The reconciler with node spec writes that no reconcile waits for: writes complete later, in any
 * order, fail or lose a race (409), interleaved with reconciles, daemon reports, informer events
 * that arrive late and edits of the LivePatch. After every step: never more kernels in a
 * transition than maxConcurrent; never more nodes admitted (stored, or with a write in flight)
 * than maxConcurrent; a node is admitted only while its kernel is idle and it owes nothing; no
 * node is admitted twice for one generation unless its write failed or lost a race.
 */
class PipelinedWritesPropertiesTest {
    private static final Pattern ADMITTED = Pattern.compile("admitted (.*) at generation (\\d+) ");

    @Property(tries = 200)
    void writesInFlightCountAsAdmittedWhateverTheOrderAndOutcome(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int maxConcurrent,
                                                                 @ForAll @IntRange(min = 1, max = 7) int nodeCount) {
        World w = new World(maxConcurrent, nodeCount, new Random(seed));
        for (int step = 0; step < 250; step++) {
            w.randomStep();
            w.checkInvariants(step);
        }
        w.converge();
    }

    @Example
    void aWriteThatCompletesLaterHoldsItsSlotMeanwhile() {
        World w = new World(1, 3, new Random(1));
        w.reconcile();
        w.reconcile();
        w.reconcile();
        assertThat(w.batches.inFlight()).as("one admission in flight, none added while it is").isEqualTo(1);
        w.complete(0, Fault.NONE);
        w.reconcile();
        assertThat(w.batches.inFlight()).as("the node is stored now, its daemon owes the transition").isZero();
        assertThat(w.registry.get("livepatch_admissions").tag("livepatch", "fix").counter().count()).isEqualTo(1.0);
        w.checkInvariants(0);
        w.converge();
    }

    @Example
    void aWriteThatLosesARaceIsDroppedAndTheNodeDecidedAgain() {
        World w = new World(1, 2, new Random(2));
        w.reconcile();
        w.complete(0, Fault.CONFLICT);
        w.reconcile();
        assertThat(w.batches.inFlight()).as("the node is admitted again from the newer object").isEqualTo(1);
        assertThat(w.registry.find("livepatch_admissions").counter()).as("not counted while not stored").isNull();
        w.checkInvariants(0);
        w.converge();
    }

    @Example
    void aWriteThatFailsIsThrownByTheNextReconcileOnceAndWakesIt() {
        World w = new World(1, 2, new Random(3));
        w.reconcile();
        w.complete(0, Fault.FAIL);
        assertThat(w.woken).containsExactly("fix");
        assertThat(w.reconcile()).as("the failure, for JOSDK's retry").isInstanceOf(KubernetesClientException.class);
        assertThat(w.reconcile()).as("once").isNull();
        assertThat(w.batches.inFlight()).as("admitted again").isEqualTo(1);
        w.checkInvariants(0);
        w.converge();
    }

    @Example
    void aWriteDeferredBehindOneInFlightWakesTheReconcileWhenThatOneEnds() {
        World w = new World(2, 2, new Random(4));
        w.reconcile(); // n0 and n1 in flight
        w.complete(0, Fault.NONE);
        w.cluster.edit("fix", s -> s.setNodeSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
                .addToMatchLabels("kubernetes.io/os", "windows").build())); // both are to be released; n1's admission is still in flight
        w.reconcile();
        assertThat(w.woken).isEmpty();
        assertThat(w.cluster.nodeLivePatches.get("n0").getSpec().getModules()).as("n0 is stored: its release goes out").isNotEmpty();

        w.complete(0, Fault.NONE); // n1's admission ends
        assertThat(w.woken).as("the release deferred behind it asks for a reconcile").containsExactly("fix");
        w.writes.runAll();
        w.reconcile();
        w.writes.runAll();
        assertThat(w.cluster.nodeLivePatches.values()).allSatisfy(n -> assertThat(World.entries(n)).isEmpty());
    }

    @Example
    void aCountsOnlyStatusIsWrittenLaterAndOnlyTheLatest() {
        World w = new World(3, 3, new Random(5));
        w.reconcile();
        w.writes.runAll();
        w.daemonsFinishAll();
        w.informerCatchesUp();
        w.reconcile();
        w.reconcile();
        w.writes.runAll();
        assertThat(w.cluster.livePatch("fix").getStatus().getUpdatedNodes()).isEqualTo(3);
        assertThat(w.cluster.reasons()).containsOnlyOnce(Reasons.COMPLETE);
    }

    @Example
    void aStatusThatIsTheIntentIsStoredBeforeTheSpecWritesGoOut() {
        World w = new World(1, 2, new Random(6));
        w.cluster.edit("fix", s -> s.getRollout().setInterval("30s"));
        w.reconcile();
        assertThat(w.batches.inFlight()).isEqualTo(1);
        assertThat(w.cluster.nodeLivePatches).as("no spec stored yet").isEmpty();
        assertThat(w.cluster.livePatch("fix").getStatus().getPacing().getLastAdmissionTime()).as("the admission time, stored first").isNotNull();
    }

    @Example
    void theFinalizerStaysWhileARolloutsWriteIsInFlight() {
        World w = new World(1, 2, new Random(7));
        w.reconcile();
        w.cluster.edit("fix", s -> s.setRemovalPolicy(dev.livepatch.api.v1alpha1.RemovalPolicy.Retain));
        Fleet fleet = w.fleet();
        assertThat(w.reconciler.cleanup(w.cluster.livePatch("fix"), fleet, (b, a) -> { })).as("n0's admission in flight").isPresent();
        w.writes.runAll();
        w.informerCatchesUp();
        assertThat(w.reconciler.cleanup(w.cluster.livePatch("fix"), w.fleet(), (b, a) -> { })).as("n0's release goes out").isPresent();
        w.writes.runAll();
        w.informerCatchesUp();
        assertThat(w.reconciler.cleanup(w.cluster.livePatch("fix"), w.fleet(), (b, a) -> { })).isEmpty();
        assertThat(w.cluster.nodeLivePatches.get("n0").getSpec().getRetained()).containsExactly("lp_fix_fix");
    }

    enum Fault { NONE, FAIL, CONFLICT }

    /** The cluster, its informer caches (late), the daemons' kernels, and the operator's reconciler over them. */
    private static final class World {
        final int maxConcurrent;
        final Random random;
        final InMemoryCluster cluster = new InMemoryCluster();
        final ManualExecutor writes = new ManualExecutor();
        final ManualClock clock = new ManualClock(Instant.parse("2026-05-01T12:00:00Z"));
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final List<String> woken = new CopyOnWriteArrayList<>();
        final List<String> violations = new CopyOnWriteArrayList<>();
        final Map<String, NodeLivePatch> informer = new HashMap<>();
        final Map<String, NodeLivePatch> mine = new HashMap<>();
        final Set<String> transitioning = new HashSet<>();
        final Map<String, Long> admittedAt = new HashMap<>();
        final Set<String> mayBeAdmittedAgain = new HashSet<>();
        final List<Node> nodes = new ArrayList<>();
        final StatusWriter status;
        final NodeSpecBatches batches;
        final RolloutReconciler reconciler;
        Fault fault = Fault.NONE;
        int eventsSeen;
        char sha = 'a';

        World(int maxConcurrent, int nodeCount, Random random) {
            this.maxConcurrent = maxConcurrent;
            this.random = random;
            for (int i = 0; i < nodeCount; i++) {
                nodes.add(cluster.add(Fixtures.node("n" + i)));
            }
            cluster.add(Fixtures.livePatch("fix", s -> {
                s.getRollout().setMaxConcurrent(new IntOrString(maxConcurrent));
                s.getRollout().setMaxFailedNodes(new IntOrString("100%"));
            }));
            status = new StatusWriter(cluster, writes);
            batches = new NodeSpecBatches(spec -> store(spec), writes);
            reconciler = new RolloutReconciler(new Observer(), new RolloutPlanner(new Planner(PacingPolicy.defaults()), Duration.ofSeconds(60)),
                    batches, status, cluster, new OperatorMetrics(registry, Instant.EPOCH), clock, woken::add);
        }

        void randomStep() {
            switch (random.nextInt(10)) {
                case 0, 1 -> reconcile();
                case 2, 3 -> {
                    if (writes.pending() > 0) {
                        int r = random.nextInt(10);
                        complete(random.nextInt(writes.pending()), r < 7 ? Fault.NONE : r < 9 ? Fault.FAIL : Fault.CONFLICT);
                    }
                }
                case 4 -> daemonStarts(random.nextInt(nodes.size()));
                case 5, 6 -> daemonFinishes(random.nextInt(nodes.size()));
                case 7, 8 -> informerCatchesUp(random.nextInt(nodes.size()));
                default -> {
                    if (random.nextInt(6) == 0) {
                        edit();
                    } else {
                        reconcile();
                    }
                }
            }
        }

        /** One reconcile as the controller runs it; returns what it threw (JOSDK would retry). */
        /** The fleet as the controller reads it: informer copies, this operator's writes, writes in flight. */
        Fleet fleet() {
            return Fleet.of(nodes, n -> batches.asWritten(n, freshest(n)), informer.values().stream().map(World::copy),
                    cluster.livePatches.values().stream());
        }

        RuntimeException reconcile() {
            Fleet fleet = fleet();
            try {
                reconciler.reconcile(status.freshest(cluster.livePatch("fix")), fleet, (before, after) -> mine.put(after.getMetadata().getName(), after));
                return null;
            } catch (KubernetesClientException e) {
                return e;
            } finally {
                noteAdmissions();
            }
        }

        /** Runs the queued write (or status write) at {@code index}; a node spec store among them ends with {@code f}. */
        void complete(int index, Fault f) {
            fault = f;
            writes.run(index);
            fault = Fault.NONE;
        }

        NodeLivePatch store(NodeSpec spec) {
            String node = spec.name();
            if (fault != Fault.NONE) {
                mayBeAdmittedAgain.add(node);
                throw new KubernetesClientException(fault == Fault.FAIL ? "injected failure" : "injected conflict", fault == Fault.FAIL ? 500 : 409, null);
            }
            boolean admits = spec.modules().stream().anyMatch(m -> "fix".equals(m.getLivePatch())) && !carriesSame(cluster.nodeLivePatches.get(node), spec);
            if (admits && (transitioning.contains(node) || owes(cluster.nodeLivePatches.get(node)))) {
                violations.add("admitted " + node + " while its kernel is busy or it owes a transition");
            }
            try {
                NodeLivePatch stored = cluster.store(spec);
                if (admits && busy() > maxConcurrent) {
                    violations.add("admitting " + node + " made " + busy() + " nodes busy, more than " + maxConcurrent);
                }
                return stored;
            } catch (KubernetesClientException e) {
                mayBeAdmittedAgain.add(node);
                throw e;
            }
        }

        void daemonStarts(int i) {
            String node = "n" + i;
            NodeLivePatch nlp = cluster.nodeLivePatches.get(node);
            if (nlp != null && owes(nlp)) {
                transitioning.add(node);
            }
        }

        void daemonFinishes(int i) {
            String node = "n" + i;
            if (transitioning.remove(node)) {
                ModuleState outcome = random.nextInt(8) == 0 ? ModuleState.Failed : ModuleState.Enabled;
                cluster.report(node, nlp -> nlp.setStatus(DaemonReport.on(nlp).everyModule(outcome).at(clock.instant()).status()));
            }
        }

        void daemonsFinishAll() {
            for (int i = 0; i < nodes.size(); i++) {
                daemonStarts(i);
                String node = "n" + i;
                if (transitioning.remove(node)) {
                    cluster.report(node, nlp -> nlp.setStatus(DaemonReport.on(nlp).everyModule(ModuleState.Enabled).at(clock.instant()).status()));
                }
            }
        }

        void informerCatchesUp() {
            for (int i = 0; i < nodes.size(); i++) {
                informerCatchesUp(i);
            }
        }

        void informerCatchesUp(int i) {
            NodeLivePatch stored = cluster.nodeLivePatches.get("n" + i);
            if (stored != null) {
                informer.put("n" + i, copy(stored));
            }
        }

        void edit() {
            sha = sha == 'f' ? 'a' : (char) (sha + 1);
            char next = sha;
            cluster.edit("fix", s -> s.getModules().get(0).getSource().setSha256(Fixtures.sha(next)));
        }

        /** The newer of the informer's copy and this operator's last write (FleetInformers). */
        Optional<NodeLivePatch> freshest(String node) {
            NodeLivePatch cached = informer.get(node);
            NodeLivePatch written = mine.get(node);
            if (cached == null || written == null) {
                return Optional.ofNullable(cached == null ? written : cached).map(World::copy);
            }
            long c = Long.parseLong(cached.getMetadata().getResourceVersion());
            long m = Long.parseLong(written.getMetadata().getResourceVersion());
            return Optional.of(copy(c >= m ? cached : written));
        }

        /** Each node named in an ADMITTED event is admitted once per generation, unless its write failed or lost a race since. */
        void noteAdmissions() {
            List<InMemoryCluster.Recorded> events = cluster.events;
            for (; eventsSeen < events.size(); eventsSeen++) {
                InMemoryCluster.Recorded e = events.get(eventsSeen);
                Matcher m = ADMITTED.matcher(e.note().message());
                if (!e.note().reason().equals(Reasons.ADMITTED) || !m.find()) {
                    continue;
                }
                long generation = Long.parseLong(m.group(2));
                for (String node : m.group(1).split(", ")) {
                    if (Long.valueOf(generation).equals(admittedAt.get(node)) && !mayBeAdmittedAgain.contains(node)) {
                        violations.add("admitted " + node + " twice at generation " + generation);
                    }
                    admittedAt.put(node, generation);
                    mayBeAdmittedAgain.remove(node);
                }
            }
        }

        void checkInvariants(int step) {
            assertThat(violations).as("at step %d", step).isEmpty();
            assertThat(transitioning.size()).as("kernels in a transition at step %d", step).isLessThanOrEqualTo(maxConcurrent);
            assertThat(busy() + queuedAdmissions()).as("nodes admitted, stored or in flight, at step %d", step).isLessThanOrEqualTo(maxConcurrent);
        }

        /** Nodes whose stored spec carries the LivePatch and whose daemon has not finished on it. */
        int busy() {
            return (int) nodes.stream().map(n -> n.getMetadata().getName())
                    .filter(n -> transitioning.contains(n) || owes(cluster.nodeLivePatches.get(n))).count();
        }

        /** Admissions in flight: nodes the reconciler sees as carrying a spec the cluster does not have yet. */
        int queuedAdmissions() {
            return (int) nodes.stream().map(n -> n.getMetadata().getName()).filter(n -> {
                NodeLivePatch stored = cluster.nodeLivePatches.get(n);
                Optional<NodeLivePatch> seen = batches.asWritten(n, Optional.ofNullable(stored));
                return seen.isPresent() && seen.get() != stored && !transitioning.contains(n) && !owes(stored) && entries(seen.get()).size() > 0;
            }).count();
        }

        /** Ends the run: every write goes through, daemons finish, reconciles follow, until every node runs the last spec (or failed on it). */
        void converge() {
            for (int round = 0; round < 20 * nodes.size() + 20; round++) {
                writes.runAll();
                daemonsFinishAll();
                informerCatchesUp();
                reconcile();
                checkInvariants(-1);
            }
            writes.runAll();
            LivePatch lp = cluster.livePatch("fix");
            assertThat(cluster.nodeLivePatches.values()).as("every node on the last spec, its daemon done").hasSize(nodes.size()).allSatisfy(nlp -> {
                assertThat(entries(nlp)).singleElement().satisfies(m -> assertThat(m.getSource().getSha256()).isEqualTo(Fixtures.sha(sha)));
                assertThat(DaemonReport.current(nlp)).isTrue();
            });
            assertThat(lp.getStatus().getTargetNodes()).isEqualTo(nodes.size());
        }

        static boolean carriesSame(NodeLivePatch stored, NodeSpec spec) {
            return stored != null && stored.getSpec() != null && stored.getSpec().getModules().equals(spec.modules());
        }

        /** The stored spec carries the LivePatch's entries and the daemon has not reported on it. */
        static boolean owes(NodeLivePatch nlp) {
            return nlp != null && !entries(nlp).isEmpty() && !DaemonReport.current(nlp);
        }

        static List<NodeModule> entries(NodeLivePatch nlp) {
            return nlp.getSpec() == null ? List.of() : nlp.getSpec().getModules().stream().filter(m -> "fix".equals(m.getLivePatch())).toList();
        }

        static NodeLivePatch copy(NodeLivePatch nlp) {
            return Serialization.clone(nlp);
        }
    }
}
