package dev.livepatch.daemon.plan;

import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.v1alpha1.OnUnhealthy;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.daemon.converge.HostState;
import dev.livepatch.daemon.kernel.KernelSnapshot;
import dev.livepatch.daemon.kernel.PatchState;
import dev.livepatch.daemon.preflight.Preflight;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The node planner: a pure function from one kernel snapshot, the reconciled host records and the
 * desired set to the ONE next action. In this order:
 * <ol>
 *   <li>A transition in flight is awaited (one at a time, the kernel allows no other). Ours is
 *       reversed when the kernel shows it built with atomic replace against its declaration
 *       ({@code AtomicReplaceUndeclared}, before it can sweep anything), or when it outlasted its
 *       stallTimeout under {@code onStall: Revert}. Someone else's is never touched.</li>
 *   <li>A module whose patch is gone and whose grace period is over is unloaded.</li>
 *   <li>The hybrid plan's first step (load, protect, retire), skipping a retirement whose stalled
 *       try was reversed until its retry time.</li>
 *   <li>Else done, with the instant the next timer (an rmmod, a retry) is due.</li>
 * </ol>
 */
public final class NodePlanner {
    /**
     * @param available desired modules whose verified image is at hand (fetched and checked this step)
     * @param poll      how long to wait before looking at a transition in flight again
     */
    public record NodeView(KernelSnapshot kernel, HostState records, DesiredSet desired, Set<String> available, Instant now, Duration poll,
                           Map<String, PlanInput.Built> built) {
        public NodeView {
            built = Map.copyOf(built);
        }

        /** @param built what each available module's file says it patches, where that could be read */
        public NodeView(KernelSnapshot kernel, HostState records, DesiredSet desired, Set<String> available, Instant now, Duration poll) {
            this(kernel, records, desired, available, now, poll, Map.of());
        }
    }

    /**
     * @param plan    the hybrid plan this decision came from (refusals and held retirements for the status); empty while a transition is in flight
     * @param stalled the transition in flight has outlasted its stallTimeout
     */
    public record Decision(Action action, Plan plan, boolean stalled) {}

    private static final Plan NO_PLAN = new Plan(List.of(), List.of(), List.of());

    private NodePlanner() {}

    public static Decision decide(NodeView v) {
        if (!v.kernel().livepatch()) return new Decision(new Action.Done(null), NO_PLAN, false);
        Optional<PatchState> inFlight = v.kernel().inTransition();
        if (inFlight.isPresent()) return awaitOrRevert(v, inFlight.get());
        for (Map.Entry<String, HostState.Pending> p : v.records().pendingUnloads.entrySet()) {
            String module = p.getKey();
            if (!Instant.parse(p.getValue().unloadAfter).isAfter(v.now()) && v.kernel().patch(module).isEmpty()
                    && v.kernel().modules().getOrDefault(module, 0) == 0) {
                return new Decision(new Action.Unload(module), NO_PLAN, false);
            }
        }
        Plan plan = HybridPlanner.plan(planInput(v, false));
        if (v.desired().modules().stream().anyMatch(NodeModule::isPreflight)) {
            plan = Preflight.withOutcomes(plan, HybridPlanner.plan(planInput(v, true)), v.desired());
        }
        for (Step step : plan.steps()) {
            if (step instanceof Step.Load l) return new Decision(new Action.Load(l.module()), plan, false);
            if (step instanceof Step.Protect p) return new Decision(new Action.Protect(p.patch()), plan, false);
            if (retireDue(v, step.patch())) return new Decision(new Action.Disable(step.patch()), plan, false);
        }
        return new Decision(new Action.Done(nextTimer(v)), plan, false);
    }

    private static Decision awaitOrRevert(NodeView v, PatchState p) {
        HostState.InFlight f = v.records().inFlight;
        HostState.Managed rec = v.records().managed.get(p.name());
        Action wait = new Action.Wait(v.now().plus(v.poll()));
        if (f == null || !f.patch.equals(p.name()) || rec == null) return new Decision(wait, NO_PLAN, false);
        boolean asStarted = (p.enabled() ? TransitionDirection.Patching : TransitionDirection.Unpatching) == f.direction;
        if (asStarted && f.direction == TransitionDirection.Patching && Boolean.TRUE.equals(p.replace()) && !rec.atomicReplace) {
            return new Decision(new Action.Revert(p.name(), NodeReasons.ATOMIC_REPLACE_UNDECLARED), NO_PLAN, false);
        }
        if (asStarted && f.direction == TransitionDirection.Patching && rec.replaceable) {
            List<FunctionOverlaps.Overridden> o = overriddenInFlight(v, p);
            if (!o.isEmpty()) {
                return new Decision(new Action.Revert(p.name(), NodeReasons.FUNCTION_OVERLAP, FunctionOverlaps.message("failed to load", o)
                        + "; the kernel showed it after the load (its file's klp_patch could not be read before), so its transition was "
                        + "reversed: the patch is disabled and its module unloaded after the grace period"), NO_PLAN, false);
            }
        }
        if (asStarted && f.direction == TransitionDirection.Patching && rec.atomicReplace
                && !HybridPlanner.keptPatchesSweptOnCompletion(planInput(v, false), p.name()).isEmpty()) {
            // The spec changed while it loads: the atomic replace would now sweep patches the plan keeps.
            return new Decision(new Action.Revert(p.name(), NodeReasons.HYBRID_UNSUPPORTED), NO_PLAN, false);
        }
        Optional<NodeModule> entry = v.desired().entry(p.name()).filter(m -> m.getSource().getSha256().equals(rec.sha256));
        Duration stallTimeout = DesiredSet.stallTimeout(entry.map(NodeModule::getStallTimeout).orElse(rec.stallTimeout));
        OnStall onStall = DesiredSet.onStall(entry.map(NodeModule::getOnStall).orElse(rec.onStall));
        boolean stalled = f.stalled || f.observedMillis > stallTimeout.toMillis();
        // A stalled load the spec no longer wants (edited away, or its LivePatch deleted) is rolled off whatever onStall said.
        boolean unwanted = f.direction == TransitionDirection.Patching && entry.isEmpty();
        if (stalled && asStarted && (onStall == OnStall.Revert || unwanted)) {
            return new Decision(new Action.Revert(p.name(), NodeReasons.STALL_REVERTED), NO_PLAN, true);
        }
        return new Decision(wait, NO_PLAN, stalled);
    }

    /** Rule 10 for a load in flight (it is the top of the stack): the pinned functions below it it overrides, but for those its entry accepts. */
    private static List<FunctionOverlaps.Overridden> overriddenInFlight(NodeView v, PatchState p) {
        List<FunctionOverlaps.Layer> pinned = v.kernel().patches().stream()
                .filter(q -> !q.name().equals(p.name()) && q.enabled() && v.desired().names().contains(q.name()))
                .filter(q -> Optional.ofNullable(v.records().managed.get(q.name())).map(m -> !m.replaceable).orElse(false))
                .map(q -> new FunctionOverlaps.Layer(q.name(), true, q.functions())).toList();
        Optional<NodeModule> entry = v.desired().entry(p.name());
        return FunctionOverlaps.overriddenBy(p.name(), p.functions(), pinned, fn -> entry.map(m -> m.allowsOverlap(fn)).orElse(false));
    }

    private static boolean retireDue(NodeView v, String patch) {
        String after = v.records().retireRetryAfter.get(patch);
        return after == null || !Instant.parse(after).isAfter(v.now());
    }

    private static Instant nextTimer(NodeView v) {
        HostState r = v.records();
        return Stream.of(r.pendingUnloads.values().stream().map(p -> p.unloadAfter),
                        r.failures.values().stream().filter(f -> f.retryable).map(f -> f.nextAttemptAt),
                        r.retireRetryAfter.values().stream())
                .flatMap(s -> s)
                .filter(t -> t != null)
                .map(Instant::parse)
                .min(Comparator.naturalOrder())
                .orElse(null);
    }

    /** @param dryRun preflight modules planned as if they were to be loaded (their outcome, never their steps, is taken) */
    static PlanInput planInput(NodeView v, boolean dryRun) {
        HostState r = v.records();
        List<PatchState> ordered = stack(v.kernel().patches(), r);
        List<PlanInput.Patch> patches = ordered.stream()
                .map(p -> new PlanInput.Patch(p.name(), p.enabled(), p.replaceableAttr(), p.replace(), p.functions())).toList();
        List<PlanInput.Desired> desired = new ArrayList<>();
        for (NodeModule m : v.desired().modules()) {
            String name = m.getName();
            boolean loaded = v.kernel().patch(name).isPresent() || v.kernel().moduleLoaded(name);
            boolean blocked = r.failures.containsKey(name) || (!loaded && !v.available().contains(name)) || (m.isPreflight() && !dryRun);
            desired.add(new PlanInput.Desired(name, m.getSource().getSha256(), !m.isPinned(), m.isAtomicReplace(), blocked, m.getLivePatch(),
                    v.built().get(name), m.getAllowFunctionOverlap() == null ? Set.of() : Set.copyOf(m.getAllowFunctionOverlap())));
        }
        Map<String, PlanInput.Managed> managed = new HashMap<>();
        r.managed.forEach((n, m) -> managed.put(n, new PlanInput.Managed(n, m.sha256, m.replaceable, m.atomicReplace, m.livePatch, m.adopted)));
        Map<String, String> pending = new HashMap<>();
        r.pendingUnloads.forEach((n, p) -> pending.put(n, p.unloadAfter));
        Set<String> baking = new HashSet<>();
        Map<String, String> unhealthy = new HashMap<>();
        r.health.values().forEach(w -> {
            if (w.failed() && w.onUnhealthy() == OnUnhealthy.Revert) unhealthy.put(w.patch(), String.join(" | ", w.lines()));
            else if (!w.passed()) baking.add(w.patch());
        });
        return new PlanInput(patches, v.kernel().modules().keySet(), Boolean.TRUE.equals(v.kernel().capabilities().getHybridAttr()),
                desired, managed, pending, kernelOrdered(ordered), baking, unhealthy);
    }

    /** Every patch shows the kernel's stack_order (6.14+): the stack is the kernel's, not the records' guess. */
    public static boolean kernelOrdered(List<PatchState> patches) {
        return !patches.isEmpty() && patches.stream().allMatch(p -> p.stackOrder() != null);
    }

    /**
     * The patch stack, bottom first: the kernel's stack_order where every patch has one; else (6.1)
     * the load order the records keep — unmanaged patches first (they were there before ours, as
     * far as the daemon can tell), then ours by when it loaded them.
     */
    public static List<PatchState> stack(List<PatchState> patches, HostState records) {
        List<PatchState> ordered = new ArrayList<>(patches);
        if (kernelOrdered(ordered)) {
            ordered.sort(Comparator.comparingInt(PatchState::stackOrder));
        } else {
            ordered.sort(Comparator.comparingLong(p -> Optional.ofNullable(records.managed.get(p.name())).map(m -> m.seq).orElse(0L)));
        }
        return ordered;
    }
}
