package dev.livepatch.operator.bench;

import dev.livepatch.operator.observer.Fleet;
import dev.livepatch.operator.observer.Observer;
import dev.livepatch.operator.reconciler.RolloutPlan;
import dev.livepatch.operator.reconciler.RolloutPlanner;
import dev.livepatch.operator.rollout.PacingPolicy;
import dev.livepatch.operator.rollout.Planner;
import dev.livepatch.operator.write.NodeSpec;
import java.time.Duration;

/**
 * The operator's CPU per reconcile for reading and planning one LivePatch over a simulated fleet,
 * without a cluster: the fleet as the controller builds it from the caches ({@link Fleet#of}), then
 * {@link Observer#forRollout} and {@link RolloutPlanner#rollout}, as RolloutReconciler times them
 * ("read+plan"). Between reconciles the plan's admissions are stored as the API server would
 * (a new resourceVersion and generation) and a few daemons in flight report done, so each reconcile
 * sees a fleet mid-rollout in which a handful of objects changed ({@link MidRollout}). Prints
 * figures; asserts nothing. The whole reconcile, writes in flight: {@link ReconcileCostBench}.
 *
 * <p>Run: {@code java -cp operator/target/test-classes:operator/target/classes:<deps> dev.livepatch.operator.bench.PlanCostBench [nodes] [reconciles]}.
 * It uses only the classes' public API, so the same harness runs against another build of them.
 */
public final class PlanCostBench {

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int reconciles = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        MidRollout world = new MidRollout(n);
        Observer observer = new Observer();
        RolloutPlanner planner = new RolloutPlanner(new Planner(PacingPolicy.defaults()), Duration.ofMinutes(5));
        int warmup = reconciles / 2;
        long[] fleetNs = new long[reconciles];
        long[] planNs = new long[reconciles];
        int admitted = 0;
        for (int i = 0; i < warmup + reconciles; i++) {
            long t0 = System.nanoTime();
            Fleet fleet = world.fleet();
            long t1 = System.nanoTime();
            RolloutPlan plan = planner.rollout(observer.forRollout(world.rolling, fleet, world.now), world.now);
            long t2 = System.nanoTime();
            if (i >= warmup) {
                fleetNs[i - warmup] = t1 - t0;
                planNs[i - warmup] = t2 - t1;
                admitted += plan.admissions().size();
            }
            for (NodeSpec spec : plan.admissions()) {
                observer.wrote(world.stored(spec), world.now);
            }
            if (plan.status() != null) {
                world.storedStatus(plan.status());
            }
            world.daemonsReport();
        }
        System.out.printf("nodes=%d reconciles=%d (after %d warm-up) admitted=%d%n", n, reconciles, warmup, admitted);
        System.out.println("Fleet.of:   " + MidRollout.summary(fleetNs));
        System.out.println("read+plan:  " + MidRollout.summary(planNs));
    }
}
