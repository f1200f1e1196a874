package dev.livepatch.operator.reconciler;

import static dev.livepatch.operator.testing.Fixtures.livePatch;
import static dev.livepatch.operator.testing.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.fixture.DaemonReport;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.MaintenanceWindow;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.Weekday;
import dev.livepatch.api.v1alpha1.RemovalPolicy;
import dev.livepatch.operator.metrics.OperatorMetrics;
import dev.livepatch.operator.observer.Observer;
import dev.livepatch.operator.rollout.PacingPolicy;
import dev.livepatch.operator.rollout.Planner;
import dev.livepatch.operator.rollout.Reasons;
import dev.livepatch.operator.testing.InMemoryCluster;
import dev.livepatch.operator.testing.ManualExecutor;
import dev.livepatch.daemon.time.ManualClock;
import dev.livepatch.operator.write.NodeSpecBatches;
import dev.livepatch.operator.write.StatusWriter;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Observe → plan → act against in-memory objects: what the reconciler leaves in the objects and the events. */
class RolloutReconcilerTest {
    private final InMemoryCluster cluster = new InMemoryCluster();
    private final ManualExecutor writes = new ManualExecutor();
    private final NodeSpecBatches batches = new NodeSpecBatches(cluster, writes);
    private final ManualClock clock = new ManualClock(Instant.parse("2026-05-01T12:00:00Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> woken = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final RolloutReconciler reconciler = new RolloutReconciler(new Observer(),
            new RolloutPlanner(new Planner(PacingPolicy.defaults()), Duration.ofSeconds(60)), batches, new StatusWriter(cluster, writes), cluster,
            new OperatorMetrics(registry, java.time.Instant.EPOCH), clock, woken::add);

    @AfterEach
    void close() {
        reconciler.close();
        batches.close();
    }

    @Test
    void admitsUpToMaxConcurrentAndNoMoreWhileTheirKernelsAreBusy() {
        started(4, s -> s.getRollout().setMaxConcurrent(new IntOrString(2)));

        reconcile("fix");

        assertThat(admitted("fix")).containsExactly("n0", "n1");
        assertThat(cluster.livePatch("fix").getStatus().getInProgressNodes()).isEqualTo(2);
        assertThat(cluster.reasons()).containsOnlyOnce(Reasons.ADMITTED);
    }

    @Test
    void aNodeWhoseAdmissionLostARaceIsNotCountedAsAdmittedAgain() {
        nodes(2);
        cluster.add(livePatch("fix", s -> s.getRollout().setMaxConcurrent(new IntOrString(2))));
        var before = cluster.fleet(); // a cache that has not seen the admissions yet

        reconcile("fix");
        reconcile(cluster.livePatch("fix"), before);

        assertThat(admitted("fix")).containsExactly("n0", "n1");
        assertThat(registry.get("livepatch_admissions").tag("livepatch", "fix").counter().count()).isEqualTo(2.0);
    }

    @Test
    void aFailedNodeIsOneEventNotOnePerReconcile() {
        n0FailsAndN1Updates();

        reconcile("fix");
        reconcile("fix");

        assertThat(cluster.livePatch("fix").getStatus().getFailures()).singleElement().satisfies(f -> assertThat(f.getNode()).isEqualTo("n0"));
        assertThat(cluster.reasons()).containsOnlyOnce(Reasons.NODE_FAILED);
        assertThat(cluster.reasons()).containsOnlyOnce(Reasons.COMPLETE);
    }

    @Test
    void releasesANodeTheSelectorNoLongerPicksAtOnce() {
        started(2, s -> { });
        cluster.nodes.get("n1").getMetadata().getLabels().put("kubernetes.io/os", "windows");

        reconcile("fix");

        assertThat(admitted("fix")).containsExactly("n0");
    }

    @Test
    void anInvalidSpecWritesItsStatusAndNoNodeAndTellsOnce() {
        nodes(1);
        cluster.add(livePatch("bad", s -> s.getModules().get(0).getSource().setSha256("nope")));

        reconcile("bad");
        reconcile("bad");

        assertThat(cluster.livePatch("bad").getStatus().getPhase()).isEqualTo(LivePatchPhase.Invalid);
        assertThat(cluster.specWrites.get()).isZero();
        assertThat(cluster.reasons()).containsExactly(Reasons.INVALID);
    }

    @Test
    void retainReleasesEveryNodeInOneCleanupThroughTheBatchWriter() {
        started(5, s -> s.setRemovalPolicy(RemovalPolicy.Retain));
        long before = cluster.specWrites.get();

        Optional<Duration> again = cleanup(cluster.livePatch("fix"), cluster.fleet());
        Optional<Duration> afterTheWrites = cleanup(cluster.livePatch("fix"), cluster.fleet());

        assertThat(again).as("the finalizer stays while the releases are written").isPresent();
        assertThat(afterTheWrites).isEmpty();
        assertThat(cluster.specWrites.get() - before).isEqualTo(5);
        assertThat(cluster.nodeLivePatches.values()).allSatisfy(n -> {
            assertThat(n.getSpec().getModules()).isEmpty();
            assertThat(n.getSpec().getRetained()).containsExactly("lp_fix_fix");
        });
        assertThat(cluster.reasons()).contains(Reasons.RELEASED);
        assertThat(reconciler.heldSpecWrites()).as("a deleted LivePatch's spec-write counter goes with its finalizer").doesNotContain("fix");
    }

    @Test
    void unloadRollsTheModulesOffWithTheRolloutsConcurrencyAndKeepsTheFinalizerUntilTheyAreGone() {
        started(2, s -> s.getRollout().setMaxConcurrent(new IntOrString(1)));
        daemonReports("n0", ModuleState.Enabled);
        reconcile("fix");
        daemonReports("n1", ModuleState.Enabled);

        Optional<Duration> again = cleanup(cluster.livePatch("fix"), cluster.fleet());

        assertThat(again).isPresent();
        assertThat(admitted("fix")).containsExactly("n1");
        assertThat(cluster.reasons()).contains(Reasons.DELETING);
    }

    @Test
    void unloadUnderAnEmergencyRollsOffAtItsOwnConcurrencyOutsideTheWindowsAndSaysSo() {
        started(4, s -> {
            s.getRollout().setMaxConcurrent(new IntOrString(4));
            s.getRollout().setInterval("0s");
            s.getRollout().setNodeCooldown("0s");
        });
        List.of("n0", "n1", "n2", "n3").forEach(n -> daemonReports(n, ModuleState.Enabled));
        LivePatch lp = cluster.livePatch("fix");
        lp.getSpec().getRollout().setMaxConcurrent(new IntOrString(1));
        lp.getSpec().getRollout().setInterval("5m");
        lp.getSpec().getRollout().setWindows(List.of(new MaintenanceWindow(List.of(Weekday.Sat), "01:00", "02:00", "UTC"))); // a Friday noon: closed
        lp.getSpec().getRollout().setEmergency(true);
        lp.getSpec().getRollout().setEmergencyMaxConcurrent(new IntOrString(3));

        cleanup(lp, cluster.fleet());

        assertThat(admitted("fix")).as("still carrying the module").hasSize(1);
        assertThat(cluster.livePatch("fix").getStatus().getEmergency()).isTrue();
        assertThat(cluster.reasons()).contains(Reasons.EMERGENCY);
    }

    @Test
    void anAdmittedNodeWhoseDaemonIsSilentForTheProgressDeadlineIsFailedUnresponsiveAndKeepsItsSlot() {
        started(2, s -> {
            s.getRollout().setMaxConcurrent(new IntOrString(1));
            s.getRollout().setMaxFailedNodes(new IntOrString(1));
            s.getRollout().setProgressDeadline("5m");
        });
        clock.advance(Duration.ofMinutes(4));
        reconcile("fix");
        assertThat(cluster.livePatch("fix").getStatus().getFailures()).isEmpty();

        clock.advance(Duration.ofMinutes(1));
        reconcile("fix");

        assertThat(cluster.livePatch("fix").getStatus().getFailures()).singleElement().satisfies(f -> {
            assertThat(f.getNode()).isEqualTo("n0");
            assertThat(f.getReason()).isEqualTo(Reasons.NODE_UNRESPONSIVE);
        });
        assertThat(cluster.livePatch("fix").getStatus().getFailedNodes()).isEqualTo(1);
        assertThat(cluster.reasons()).containsOnlyOnce(Reasons.NODE_UNRESPONSIVE);
        assertThat(admitted("fix")).containsExactly("n0"); // its slot stays taken

        daemonReports("n0", ModuleState.Enabled); // the daemon is back with an idle kernel
        reconcile("fix");
        assertThat(cluster.livePatch("fix").getStatus().getFailures()).isEmpty();
        assertThat(admitted("fix")).containsExactly("n0", "n1");
    }

    @Test
    void aNewRetryFailedValueAdmitsTheFailedNodesAgainWithANewerGenerationOnce() {
        n0FailsAndN1Updates();
        reconcile("fix");
        long writes = cluster.specWrites.get();

        LivePatch lp = cluster.livePatches.get("fix");
        lp.getSpec().getRollout().setRetryFailed("2026-05-01");
        lp.getMetadata().setGeneration(2L);
        reconcile("fix");

        assertThat(cluster.specWrites.get() - writes).isEqualTo(1);
        assertThat(cluster.nodeLivePatches.get("n0").getSpec().getModules()).singleElement()
                .satisfies(m -> assertThat(m.getLivePatchGeneration()).isEqualTo(2L));
        assertThat(cluster.livePatch("fix").getStatus().getRetry().getGeneration()).isEqualTo(2L);
        assertThat(cluster.reasons()).containsOnlyOnce(Reasons.RETRYING_FAILED);

        daemonReports("n0", ModuleState.Failed); // fails again: not retried again until the next new value
        reconcile("fix");
        reconcile("fix");
        assertThat(cluster.specWrites.get() - writes).isEqualTo(1);
        assertThat(cluster.livePatch("fix").getStatus().getFailures()).extracting(f -> f.getNode()).containsExactly("n0");
    }

    @Test
    void unloadingReportsASilentDaemonUnresponsiveOnceAndKeepsTheFinalizer() {
        started(1, s -> s.getRollout().setProgressDeadline("5m"));
        daemonReports("n0", ModuleState.Enabled);
        cleanup(cluster.livePatch("fix"), cluster.fleet()); // rolls the entries off; the daemon is silent from now on

        clock.advance(Duration.ofMinutes(5));
        Optional<Duration> again = cleanup(cluster.livePatch("fix"), cluster.fleet());
        cleanup(cluster.livePatch("fix"), cluster.fleet());

        assertThat(again).isPresent();
        assertThat(cluster.livePatch("fix").getStatus().getFailures()).singleElement()
                .satisfies(f -> assertThat(f.getReason()).isEqualTo(Reasons.NODE_UNRESPONSIVE));
        assertThat(cluster.reasons()).containsOnlyOnce(Reasons.NODE_UNRESPONSIVE);
    }

    // --- helpers

    /** Nodes n0, n1, ..., LivePatch "fix" changed by {@code edit}, and its first reconcile. */
    private void started(int nodes, Consumer<LivePatchSpec> edit) {
        nodes(nodes);
        cluster.add(livePatch("fix", edit));
        reconcile("fix");
    }

    /** Two nodes admitted at once, one failure allowed; n0's daemon reports its module Failed, n1's Enabled. */
    private void n0FailsAndN1Updates() {
        started(2, s -> s.getRollout().setMaxFailedNodes(new IntOrString(1)));
        daemonReports("n0", ModuleState.Failed);
        daemonReports("n1", ModuleState.Enabled);
    }

    private void nodes(int n) {
        for (int i = 0; i < n; i++) {
            cluster.add(node("n" + i));
        }
    }

    private void reconcile(String name) {
        reconcile(cluster.livePatch(name), cluster.fleet());
    }

    /** A reconcile, then the writes it did not wait for complete. */
    private void reconcile(LivePatch lp, dev.livepatch.operator.observer.Fleet fleet) {
        reconciler.reconcile(lp, fleet, (b, a) -> { });
        writes.runAll();
    }

    private Optional<Duration> cleanup(LivePatch lp, dev.livepatch.operator.observer.Fleet fleet) {
        Optional<Duration> again = reconciler.cleanup(lp, fleet, (b, a) -> { });
        writes.runAll();
        return again;
    }

    private List<String> admitted(String lp) {
        return cluster.nodeLivePatches.values().stream()
                .filter(n -> n.getSpec().getModules().stream().anyMatch(m -> lp.equals(m.getLivePatch())))
                .map(n -> n.getMetadata().getName()).sorted().toList();
    }

    /** The node's daemon reports every module of its spec in {@code state}, its kernel idle, at the test's clock. */
    private void daemonReports(String node, ModuleState state) {
        cluster.report(node, nlp -> nlp.setStatus(DaemonReport.on(nlp).everyModule(state).at(clock.instant()).status()));
    }
}
