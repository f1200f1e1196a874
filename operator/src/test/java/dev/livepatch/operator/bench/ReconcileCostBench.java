package dev.livepatch.operator.bench;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.operator.metrics.OperatorMetrics;
import dev.livepatch.operator.observer.Fleet;
import dev.livepatch.operator.observer.Observer;
import dev.livepatch.operator.reconciler.RolloutPlanner;
import dev.livepatch.operator.reconciler.RolloutReconciler;
import dev.livepatch.operator.rollout.PacingPolicy;
import dev.livepatch.operator.rollout.Planner;
import dev.livepatch.operator.testing.ManualExecutor;
import dev.livepatch.operator.write.EventSink;
import dev.livepatch.operator.write.LivePatchStore;
import dev.livepatch.operator.write.NodeSpecBatches;
import dev.livepatch.operator.write.StatusWriter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The operator's CPU and allocation per whole reconcile of one LivePatch over a simulated fleet in
 * the steady state of a rollout ({@link MidRollout}), without a cluster: what the LivePatch
 * controller does per reconcile (the fleet from the caches with each write in flight as it will
 * leave its node, the reported transitions counted) and {@link RolloutReconciler#reconcile} with
 * the production writers over in-memory stores. Each reconcile's spec writes stay in flight until
 * the next one has read the fleet, then are stored; the counts-only status is written between
 * reconciles. Prints figures; asserts nothing.
 *
 * <p>Run: {@code java -cp operator/target/test-classes:operator/target/classes:<deps> dev.livepatch.operator.bench.ReconcileCostBench [nodes] [reconciles]}.
 * It uses only the classes' public API, so the same harness runs against another build of them.
 */
public final class ReconcileCostBench {

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int reconciles = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        MidRollout world = new MidRollout(n);
        ManualExecutor writers = new ManualExecutor();
        ManualExecutor statusWrites = new ManualExecutor();
        Clock clock = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return world.now;
            }
        };
        NodeSpecBatches batches = new NodeSpecBatches(world::stored, writers);
        StatusWriter status = new StatusWriter(new StoredStatus(world), statusWrites, clock, StatusWriter.COUNTS_SPACING, d -> { });
        OperatorMetrics metrics = new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), world.now);
        EventSink events = (lp, note) -> { };
        RolloutReconciler reconciler = new RolloutReconciler(new Observer(), new RolloutPlanner(new Planner(PacingPolicy.defaults()), Duration.ofMinutes(5)),
                batches, status, events, metrics, clock, name -> { });
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        int warmup = reconciles / 2;
        long[] fleetNs = new long[reconciles];
        long[] reconcileNs = new long[reconciles];
        long[] allocated = new long[reconciles];
        long[] cpu = new long[reconciles];
        for (int i = 0; i < warmup + reconciles; i++) {
            int earlierWrites = writers.pending();
            long a0 = threads.getThreadAllocatedBytes(thread);
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            Fleet fleet = world.fleet(name -> batches.asWritten(name, Optional.ofNullable(world.store.get(name))));
            metrics.observed(fleet.nodeLivePatches().values());
            long t1 = System.nanoTime();
            reconciler.reconcile(status.freshest(world.rolling), fleet, (before, after) -> { });
            long t2 = System.nanoTime();
            long c1 = threads.getCurrentThreadCpuTime();
            long a1 = threads.getThreadAllocatedBytes(thread);
            if (i >= warmup) {
                fleetNs[i - warmup] = t1 - t0;
                reconcileNs[i - warmup] = t2 - t1;
                allocated[i - warmup] = a1 - a0;
                cpu[i - warmup] = c1 - c0;
            }
            for (int w = 0; w < earlierWrites; w++) {
                writers.run(0);
            }
            statusWrites.runAll();
            world.daemonsReport();
        }
        System.out.printf("nodes=%d reconciles=%d (after %d warm-up) at the end: %s, %d spec write(s) in flight%n", n, reconciles, warmup,
                world.rolling.getStatus().getSummary(), writers.pending());
        System.out.println("fleet+observed:  " + MidRollout.summary(fleetNs));
        System.out.println("reconcile:       " + MidRollout.summary(reconcileNs));
        long[] total = new long[reconciles];
        for (int i = 0; i < reconciles; i++) {
            total[i] = fleetNs[i] + reconcileNs[i];
        }
        System.out.println("whole:           " + MidRollout.summary(total));
        System.out.println("whole, CPU:      " + MidRollout.summary(cpu));
        java.util.Arrays.sort(allocated);
        System.out.printf("allocated per whole reconcile: median=%.2fMB%n", allocated[reconciles / 2] / 1e6);
    }

    /** The rolling LivePatch's status stored into the simulated world. */
    private record StoredStatus(MidRollout world) implements LivePatchStore {
        @Override
        public LivePatch storeStatus(LivePatch current, LivePatch desired) {
            return world.storedStatus(desired.getStatus());
        }

        @Override
        public LivePatch pause(String name) {
            throw new UnsupportedOperationException("the simulated rollout has no canaries");
        }

        @Override
        public LivePatch get(String name) {
            return world.rolling;
        }
    }
}
