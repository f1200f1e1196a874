package dev.livepatch.operator.rollout;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The rollout planner: a pure function from the fleet as the objects show it, the spec and the
 * clock to the nodes to admit now and the status to report (docs/design.md §6.2). Admitting is done by the
 * caller; the planner never touches a cluster, so it is tested with generated fleets.
 *
 * <p>Windows, steps and emergencies (docs/design.md §6.6–§6.8) come in as a {@link Schedule}: outside every
 * window nothing is admitted, a step admits up to its count and waits for its bake, and an
 * emergency replaces the policy by {@link RolloutPolicy#inForce()}.
 *
 * <p>Order of admission is deterministic: canaries first (in their recorded order), then node name.
 * Until the canaries are done and the canary pause of their revision has been lifted, only canaries
 * are admitted. Nothing is admitted while paused or while failed plus stalled nodes exceed
 * maxFailedNodes. Otherwise at most {@code concurrency - busy} nodes, one per interval when the
 * interval is not zero, each ready, out of its cooldown and with an idle kernel. {@code busy}
 * counts the nodes whose kernel is busy whatever their state in this rollout (a pending node still
 * in a transition for older content, a failed node still loading another module, a node whose
 * daemon has not reported since its admission): a slot is kernel truth.
 */
public final class Planner {
    public static final int MAX_FAILURES = 20;

    private final Pacer pacer;

    public Planner(PacingPolicy pacing) {
        this.pacer = new Pacer(pacing);
    }

    public Plan plan(PlanInput request) {
        PlanInput in = request.withPolicy(request.policy().inForce());
        // In the order given: the observer lists nodes by name, and sorting a sorted list is one pass.
        Map<String, NodeView> byName = in.nodes().stream().map(n -> judged(n, in))
                .collect(Collectors.toMap(NodeView::name, Function.identity(), (a, b) -> a.name().compareTo(b.name()) <= 0 ? a : b, LinkedHashMap::new));
        List<NodeView> nodes = byName.values().stream().sorted(Comparator.comparing(NodeView::name)).toList();
        Counts counts = Counts.of(nodes);
        List<String> canaries = canaries(in, nodes, byName);
        boolean canariesCleared = canariesCleared(in, canaries, byName);
        int budget = in.policy().failureBudgetFor(counts.target());
        EffectivePacing pacing = pacer.pace(in.policy(), counts.target(), counts.stalled(), in.history(), in.now());
        // The windows of the spec even in an emergency, which ignores them: the status still shows them.
        Schedule schedule = new Schedule(request.policy().windows().at(in.now()), in.policy().steps().progress(nodes, in.now()), in.policy().emergency());
        Hold held = hold(in, counts, budget, canaries, canariesCleared, byName);
        Hold hold = held == Hold.NONE ? schedule.hold() : held;
        List<NodeView> failures = failures(nodes);
        Optional<Instant> deadlines = earliest(schedule.changesAt(), deadlineEnd(nodes, in));
        if (hold != Hold.NONE) {
            return new Plan(List.of(), counts, pacing, canaries, hold, budget, failures, deadlines, canariesCleared, schedule);
        }
        List<NodeView> order = admissionOrder(nodes, canaries, canariesCleared, byName);
        Instant now = in.now();
        List<NodeView> eligible = order.stream().filter(n -> n.ready() && !n.kernelBusy() && !coolingDown(n, in)).toList();
        Optional<Instant> cooldownEnd = order.stream().filter(n -> n.ready() && !n.kernelBusy() && coolingDown(n, in))
                .map(n -> n.lastTransitionAt().plus(in.policy().nodeCooldown())).min(Comparator.naturalOrder());
        long busy = nodes.stream().filter(NodeView::occupiesSlot).count();
        int slots = Math.min(schedule.step().room(), (int) Math.max(0, pacing.concurrency() - busy));
        if (!pacing.interval().isZero()) {
            Instant intervalEnd = in.lastAdmission() == null ? now : in.lastAdmission().plus(pacing.interval());
            if (now.isBefore(intervalEnd)) {
                Optional<Instant> next = order.isEmpty() ? Optional.empty() : Optional.of(intervalEnd);
                return new Plan(List.of(), counts, pacing, canaries, hold, budget, failures, earliest(next, deadlines), canariesCleared, schedule);
            }
            slots = Math.min(slots, 1);
        }
        List<String> admit = eligible.stream().limit(slots).map(NodeView::name).toList();
        Optional<Instant> next = admit.isEmpty() ? cooldownEnd : Optional.empty();
        return new Plan(admit, counts, pacing, canaries, hold, budget, failures, earliest(next, deadlines), canariesCleared, schedule);
    }

    /**
     * The node as this rollout counts it: failed (NodeUnresponsive) when it waits on a daemon that
     * made no progress for progressDeadline; pending again when it failed on entries older than a
     * retry (spec.rollout.retryFailed; never while unloading). Unloading reports an unresponsive
     * node too, and still waits for it: the finalizer goes only once every daemon is done.
     */
    private static NodeView judged(NodeView n, PlanInput in) {
        if (n.awaitingDaemon() && n.progressAt() != null && !in.now().isBefore(n.progressAt().plus(in.policy().progressDeadline()))) {
            return n.unresponsive(Reasons.NODE_UNRESPONSIVE, in.policy().progressDeadline());
        }
        boolean retried = !in.unload() && n.state() == NodeState.FAILED && in.retryGeneration() != null && n.admittedGeneration() != null
                && n.admittedGeneration() < in.retryGeneration();
        return retried ? n.pendingAgain() : n;
    }

    /** When the first node waiting on its daemon runs out of progressDeadline. */
    private static Optional<Instant> deadlineEnd(List<NodeView> nodes, PlanInput in) {
        return nodes.stream().filter(n -> n.awaitingDaemon() && n.progressAt() != null)
                .map(n -> n.progressAt().plus(in.policy().progressDeadline())).min(Comparator.naturalOrder());
    }

    private static Optional<Instant> earliest(Optional<Instant> a, Optional<Instant> b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : Optional.of(a.get().isBefore(b.get()) ? a.get() : b.get());
    }

    /** The recorded canaries still targeted; if none are recorded, the first canaryNodes targeted nodes by name. */
    private static List<String> canaries(PlanInput in, List<NodeView> nodes, Map<String, NodeView> byName) {
        if (in.unload() || in.policy().canaryNodes() <= 0) {
            return List.of();
        }
        List<String> recorded = in.recordedCanaries() == null ? List.of() : in.recordedCanaries().stream()
                .filter(name -> byName.containsKey(name) && canaryCandidate(byName.get(name)))
                .distinct().toList();
        if (!recorded.isEmpty()) {
            return recorded;
        }
        return nodes.stream().filter(Planner::canaryCandidate).limit(in.policy().canaryNodes()).map(NodeView::name).toList();
    }

    private static boolean canaryCandidate(NodeView n) {
        return n.state().targeted() && n.state() != NodeState.CONFLICT;
    }

    private static boolean canaryDone(NodeView n) {
        return n.state() == NodeState.UPDATED || n.state() == NodeState.FAILED;
    }

    /**
     * The canaries' revision is the newest generation they were admitted at. The canary pause has
     * been lifted for it when status.canary.pausedGeneration is at least that generation (the pause
     * was recorded after they finished) and spec.rollout.paused is false again.
     */
    private static boolean canariesCleared(PlanInput in, List<String> canaries, Map<String, NodeView> byName) {
        if (canaries.isEmpty()) {
            return true;
        }
        if (!canaries.stream().map(byName::get).allMatch(Planner::canaryDone)) {
            return false;
        }
        Long revision = revision(canaries, byName);
        return in.canaryPausedGeneration() != null && revision != null && in.canaryPausedGeneration() >= revision;
    }

    static Long revision(List<String> canaries, Map<String, NodeView> byName) {
        return canaries.stream().map(byName::get).map(NodeView::admittedGeneration).filter(Objects::nonNull)
                .max(Comparator.naturalOrder()).orElse(null);
    }

    private static Hold hold(PlanInput in, Counts counts, int budget, List<String> canaries, boolean canariesCleared,
                             Map<String, NodeView> byName) {
        if (counts.failed() + counts.stalled() > budget) {
            return in.policy().paused() ? Hold.PAUSED : Hold.TOO_MANY_FAILURES;
        }
        // Before PAUSED: a rollout a user paused while the canaries ran still records their pause.
        boolean canariesDone = !canaries.isEmpty() && canaries.stream().map(byName::get).allMatch(Planner::canaryDone);
        if (canariesDone && !canariesCleared) {
            return Hold.CANARY_PAUSE;
        }
        if (in.policy().paused()) {
            return Hold.PAUSED;
        }
        return Hold.NONE;
    }

    /** Pending nodes in admission order: canaries first, then by name; only canaries until they are cleared. */
    private static List<NodeView> admissionOrder(List<NodeView> nodes, List<String> canaries, boolean canariesCleared,
                                                 Map<String, NodeView> byName) {
        Stream<NodeView> canaryNodes = canaries.stream().map(byName::get);
        Stream<NodeView> rest = canariesCleared ? nodes.stream() : Stream.empty();
        Set<NodeView> ordered = new LinkedHashSet<>();
        Stream.concat(canaryNodes, rest).filter(n -> n.state() == NodeState.PENDING).forEach(ordered::add);
        return new ArrayList<>(ordered);
    }

    private static boolean coolingDown(NodeView n, PlanInput in) {
        return n.lastTransitionAt() != null && in.now().isBefore(n.lastTransitionAt().plus(in.policy().nodeCooldown()));
    }

    /** Failed and stalled nodes first, then conflicts, each by name; bounded so that the object stays small. */
    private static List<NodeView> failures(List<NodeView> nodes) {
        Comparator<NodeView> byKind = Comparator.comparingInt(n -> n.state() == NodeState.CONFLICT ? 1 : 0);
        return nodes.stream()
                .filter(n -> n.state() == NodeState.FAILED || n.state() == NodeState.STALLED || n.state() == NodeState.CONFLICT)
                .sorted(byKind.thenComparing(NodeView::name))
                .limit(MAX_FAILURES)
                .toList();
    }
}
