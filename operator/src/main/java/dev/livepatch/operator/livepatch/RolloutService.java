package dev.livepatch.operator.livepatch;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeFailure;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.RemovalPolicy;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.api.validation.LivePatchValidator;
import dev.livepatch.api.validation.Violation;
import dev.livepatch.api.values.IntOrPercent;
import dev.livepatch.operator.conflict.ClaimResolver;
import dev.livepatch.operator.metrics.OperatorMetrics;
import dev.livepatch.operator.nodes.NodeSpecWriter;
import dev.livepatch.operator.rollout.Hold;
import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.NodeView;
import dev.livepatch.operator.rollout.Plan;
import dev.livepatch.operator.rollout.PlanInput;
import dev.livepatch.operator.rollout.Planner;
import dev.livepatch.operator.rollout.RolloutPolicy;
import dev.livepatch.operator.rollout.TransitionSample;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observe → validate → act for one LivePatch: reads the fleet into node views, asks the planner,
 * then acts in the order that keeps a crash harmless: the canary pause, then the status (with the
 * admission time, the intent), then the nodes' specs. Everything it needs next time is in those
 * objects, so a restarted operator neither redoes nor skips a node.
 */
public final class RolloutService {
    private static final Logger LOG = LoggerFactory.getLogger(RolloutService.class);
    private static final Duration MIN_REQUEUE = Duration.ofSeconds(1);

    /** Told about every NodeLivePatch the service wrote, so that the informer cache does not serve the old one. */
    public interface WrittenNodes {
        void written(NodeLivePatch before, NodeLivePatch after);
    }

    private final Planner planner;
    private final NodeSpecWriter nodeWriter;
    private final LivePatchWriter writer;
    private final EventRecorder events;
    private final OperatorMetrics metrics;
    private final Clock clock;
    private final Duration resync;
    private final ProgressEvents progress;
    private final ExecutorService statusWriter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "livepatch-status-writer");
        t.setDaemon(true);
        return t;
    });

    public RolloutService(Planner planner, NodeSpecWriter nodeWriter, LivePatchWriter writer, EventRecorder events, OperatorMetrics metrics,
                          Clock clock, Duration resync) {
        this.planner = planner;
        this.nodeWriter = nodeWriter;
        this.writer = writer;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
        this.resync = resync;
        this.progress = new ProgressEvents(events);
    }

    /** Reconciles a live LivePatch; returns when to look again. */
    public Duration reconcile(LivePatch lp, Fleet fleet, WrittenNodes written) {
        Instant now = clock.instant();
        long began = System.nanoTime();
        List<Violation> violations = LivePatchValidator.validate(lp.getSpec());
        if (!violations.isEmpty()) {
            LivePatchStatus status = StatusBuilder.invalid(lp, violations, now);
            if (writer.writeStatus(lp, status) && phase(lp) != LivePatchPhase.Invalid) {
                events.warning(lp, Reasons.INVALID, status.getConditions().get(0).getMessage());
            }
            return resync;
        }
        String name = lp.getMetadata().getName();
        Map<String, Node> nodesByName = new HashMap<>();
        List<NodeView> views = new ArrayList<>();
        List<TransitionSample> history = new ArrayList<>();
        for (Node node : fleet.nodes()) {
            nodesByName.put(node.getMetadata().getName(), node);
            ClaimResolver.Outcome claim = fleet.claimsOn(node).getOrDefault(name, new ClaimResolver.Outcome.Holds());
            NodeReader.forRollout(lp, node, fleet.nodeLivePatch(node), claim).ifPresent(v -> {
                views.add(v);
                if (v.state().targeted()) {
                    NodeReader.transitions(fleet.nodeLivePatch(node)).forEach(history::add);
                }
            });
        }
        LivePatchStatus previous = lp.getStatus();
        List<String> recordedCanaries = previous == null || previous.getCanary() == null ? List.of() : previous.getCanary().getNodes();
        Long pausedGeneration = previous == null || previous.getCanary() == null ? null : previous.getCanary().getPausedGeneration();
        Plan plan = planner.plan(new PlanInput(generation(lp), RolloutPolicy.from(lp.getSpec().getRollout()), views,
                recordedCanaries, pausedGeneration, StatusBuilder.lastAdmission(lp), history, now, false));

        if (plan.hold() == Hold.CANARY_PAUSE) {
            pausedGeneration = generation(lp);
        }
        if (plan.hold() == Hold.CANARY_PAUSE && !lp.getSpec().getRollout().isPaused()) {
            writer.pause(lp);
            events.normal(lp, Reasons.CANARY_PAUSE, "canaries " + plan.canaries() + " are done; paused the rollout: set spec.rollout.paused to false to go on");
            metrics.paused(name, Reasons.CANARY_PAUSE);
        }
        LivePatchStatus status = StatusBuilder.rollout(lp, plan, pausedGeneration, now);
        long planned = System.nanoTime();
        CompletableFuture<Boolean> statusWrite;
        if (statusIsIntent(plan)) {
            statusWrite = CompletableFuture.completedFuture(writer.writeStatus(lp, status));
        } else {
            statusWrite = CompletableFuture.supplyAsync(() -> writer.writeStatus(lp, status), statusWriter);
        }
        long statusWritten = System.nanoTime();

        Map<String, Integer> loadOrder = fleet.loadOrder();
        List<NodeSpecWriter.Desired> admissions = new ArrayList<>();
        for (String nodeName : plan.admit()) {
            Node node = nodesByName.get(nodeName);
            NodeLivePatch nlp = fleet.nodeLivePatch(node);
            List<NodeModule> current = nlp == null || nlp.getSpec() == null ? List.of() : nlp.getSpec().getModules();
            List<String> retained = nlp == null || nlp.getSpec() == null ? List.of() : nlp.getSpec().getRetained();
            List<NodeModule> modules = NodeSpecs.replace(current, name, NodeReader.desiredEntries(lp, node), loadOrder);
            admissions.add(new NodeSpecWriter.Desired(node, nlp, modules, retained));
        }
        try {
            nodeWriter.writeAll(admissions, written::written);
        } finally {
            join(statusWrite);
        }
        releaseNodesNoLongerHeld(lp, fleet, views, written);
        long nodesWritten = System.nanoTime();
        report(lp, plan, previous, status, String.format("read+plan=%dms status=%dms nodes=%dms",
                (planned - began) / 1_000_000, (statusWritten - planned) / 1_000_000, (nodesWritten - statusWritten) / 1_000_000));
        return plan.nextCheck().map(t -> Duration.between(now, t)).map(d -> d.compareTo(MIN_REQUEUE) < 0 ? MIN_REQUEUE : d)
                .filter(d -> d.compareTo(resync) < 0).orElse(resync);
    }

    /**
     * Whether the status must be stored before the nodes' specs (DESIGN §6: objects, not memory,
     * carry the rollout across a restart): when it records an admission time that paces the next
     * one (a non-zero interval, the spec's or a slowed one's) or the canaries. Otherwise, with no
     * interval and no canaries, it carries counts only and is written alongside the specs: one
     * round trip less per reconcile, which at 5,000 nodes is most of the time between a node
     * reporting done and the next node's admission.
     */
    private static boolean statusIsIntent(Plan plan) {
        return !plan.admit().isEmpty() && (!plan.pacing().interval().isZero() || !plan.canaries().isEmpty());
    }

    private static void join(CompletableFuture<Boolean> write) {
        try {
            write.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Stops the thread that writes statuses alongside node specs. */
    public void close() {
        statusWriter.shutdownNow();
    }

    /**
     * Takes the LivePatch's entries off nodes it no longer selects, whose kernel no module fits, or
     * that an older LivePatch keeps (Conflict): at once, not paced, because such a node is not in
     * this rollout any more.
     */
    private void releaseNodesNoLongerHeld(LivePatch lp, Fleet fleet, List<NodeView> views, WrittenNodes written) {
        String name = lp.getMetadata().getName();
        Map<String, NodeView> byName = views.stream().collect(Collectors.toMap(NodeView::name, v -> v));
        List<NodeSpecWriter.Desired> releases = new ArrayList<>();
        for (Node node : fleet.nodes()) {
            NodeLivePatch nlp = fleet.nodeLivePatch(node);
            List<NodeModule> entries = NodeReader.entriesOf(name, nlp);
            if (entries.isEmpty()) {
                continue;
            }
            NodeView view = byName.get(node.getMetadata().getName());
            boolean held = view != null && view.state() != NodeState.NOT_APPLICABLE
                    && !(view.state() == NodeState.CONFLICT && fleet.claimsOn(node).get(name) instanceof ClaimResolver.Outcome.Conflict);
            if (!held) {
                releases.add(withoutEntriesOf(name, node, nlp, fleet));
                LOG.info("releasing node livepatch={} node={} state={}", name, node.getMetadata().getName(), view == null ? "unselected" : view.state());
            }
        }
        nodeWriter.writeAll(releases, written::written);
    }

    /**
     * Cleanup behind the finalizer. Retain: release every node's entries into {@code retained}, at
     * once. Unload: roll the entries off with the rollout's concurrency, interval and cooldown
     * (not its pause, canaries or failure budget: deleting is the user's explicit word), and
     * wait until the daemons no longer report the modules. Empty when the finalizer may go.
     */
    public Optional<Duration> cleanup(LivePatch lp, Fleet fleet, WrittenNodes written) {
        String name = lp.getMetadata().getName();
        if (lp.getSpec() != null && lp.getSpec().getRemovalPolicy() == RemovalPolicy.Retain) {
            int released = 0;
            for (Node node : fleet.nodes()) {
                NodeLivePatch nlp = fleet.nodeLivePatch(node);
                List<NodeModule> entries = NodeReader.entriesOf(name, nlp);
                if (!entries.isEmpty()) {
                    List<NodeModule> modules = withoutEntriesOf(name, node, nlp, fleet).modules();
                    written.written(nlp, nodeWriter.write(node, nlp, modules, NodeSpecs.retain(nlp.getSpec().getRetained(), entries, modules)));
                    released++;
                }
            }
            events.normal(lp, Reasons.RELEASED, "released " + released + " node(s); their kernels stay patched (removalPolicy Retain)");
            metrics.forget(name);
            progress.forget(name);
            return Optional.empty();
        }
        Instant now = clock.instant();
        Map<String, Node> nodesByName = new HashMap<>();
        List<NodeView> views = new ArrayList<>();
        List<TransitionSample> history = new ArrayList<>();
        for (Node node : fleet.nodes()) {
            nodesByName.put(node.getMetadata().getName(), node);
            NodeReader.forUnload(lp, node, fleet.nodeLivePatch(node)).ifPresent(v -> {
                views.add(v);
                NodeReader.transitions(fleet.nodeLivePatch(node)).forEach(history::add);
            });
        }
        if (views.isEmpty()) {
            events.normal(lp, Reasons.UNLOADED, "the modules are off every node; removing the finalizer");
            metrics.forget(name);
            progress.forget(name);
            return Optional.empty();
        }
        Plan plan = planner.plan(new PlanInput(generation(lp), unloadPolicy(lp), views, List.of(), null,
                StatusBuilder.lastAdmission(lp), history, now, true));
        LivePatchStatus status = StatusBuilder.deleting(lp, plan, "unloading", now);
        if (writer.writeStatus(lp, status) && phase(lp) != LivePatchPhase.Deleting) {
            events.normal(lp, Reasons.DELETING, "unloading the modules from " + views.size() + " node(s) with the rollout's pacing");
        }
        List<NodeSpecWriter.Desired> unloads = new ArrayList<>();
        for (String nodeName : plan.admit()) {
            Node node = nodesByName.get(nodeName);
            unloads.add(withoutEntriesOf(name, node, fleet.nodeLivePatch(node), fleet));
        }
        nodeWriter.writeAll(unloads, written::written);
        if (!plan.admit().isEmpty()) {
            progress.admitted(lp, "unloading from", plan.admit(), "", now);
        }
        metrics.nodes(name, plan.countsAfterAdmission());
        return Optional.of(plan.nextCheck().map(t -> Duration.between(now, t)).filter(d -> d.compareTo(MIN_REQUEUE) > 0)
                .filter(d -> d.compareTo(resync) < 0).orElse(MIN_REQUEUE.multipliedBy(5)));
    }

    private static RolloutPolicy unloadPolicy(LivePatch lp) {
        RolloutSpec r = lp.getSpec() == null || lp.getSpec().getRollout() == null ? new RolloutSpec() : lp.getSpec().getRollout();
        RolloutPolicy p;
        try {
            p = RolloutPolicy.from(r);
        } catch (IllegalArgumentException e) {
            p = RolloutPolicy.from(new RolloutSpec()); // an invalid spec still gets unloaded, with the default pacing
        }
        return new RolloutPolicy(p.maxConcurrent(), p.interval(), p.nodeCooldown(), IntOrPercent.parse(new IntOrString("100%")).orElseThrow(),
                0, false);
    }

    /** Events and metrics from what changed: admissions, completions, failures, pauses. */
    private void report(LivePatch lp, Plan plan, LivePatchStatus previous, LivePatchStatus status, String took) {
        String name = lp.getMetadata().getName();
        metrics.nodes(name, plan.countsAfterAdmission());
        Instant now = clock.instant();
        if (!plan.admit().isEmpty()) {
            metrics.admitted(name, plan.admit().size());
            progress.admitted(lp, "admitted", plan.admit(), " at generation " + lp.getMetadata().getGeneration() + " (" + status.getSummary() + ")", now);
        }
        int updatedBefore = previous == null || previous.getUpdatedNodes() == null ? 0 : previous.getUpdatedNodes();
        if (status.getUpdatedNodes() != null) {
            progress.updated(lp, updatedBefore, status.getUpdatedNodes(), status.getTargetNodes() == null ? 0 : status.getTargetNodes(),
                    status.getSummary(), now);
        }
        Set<String> known = previous == null ? Set.of() : previous.getFailures().stream()
                .map(f -> f.getNode() + "/" + f.getReason()).collect(Collectors.toSet());
        for (NodeFailure f : status.getFailures()) {
            if (!known.contains(f.getNode() + "/" + f.getReason())) {
                String reason = Reasons.CONFLICT.equals(f.getReason()) ? Reasons.CONFLICT
                        : plan.failures().stream().anyMatch(v -> v.name().equals(f.getNode()) && v.state() == NodeState.STALLED)
                        ? Reasons.NODE_STALLED : Reasons.NODE_FAILED;
                events.warning(lp, reason, "node " + f.getNode() + ": " + f.getReason() + ": " + f.getMessage());
            }
        }
        String slowedBefore = previous == null || previous.getPacing() == null ? null : previous.getPacing().getReason();
        if (plan.pacing().slowed() && slowedBefore == null) {
            events.warning(lp, Reasons.SLOWED_DOWN, plan.pacing().reason());
        }
        LivePatchPhase before = previous == null ? null : previous.getPhase();
        if (status.getPhase() != before) {
            switch (status.getPhase()) {
                case Complete -> events.normal(lp, Reasons.COMPLETE, status.getSummary());
                case Stalled -> {
                    events.warning(lp, Reasons.TOO_MANY_FAILURES, status.getConditions().get(0).getMessage());
                    metrics.paused(name, Reasons.TOO_MANY_FAILURES);
                }
                case Paused -> {
                    if (plan.hold() == Hold.PAUSED) {
                        events.normal(lp, Reasons.PAUSED, "rollout paused: " + status.getSummary());
                        metrics.paused(name, Reasons.PAUSED);
                    }
                }
                default -> { }
            }
        }
        LOG.info("reconciled livepatch={} generation={} phase={} summary=\"{}\" admitted={} concurrency={} interval={} slowed={} took=\"{}\"",
                name, lp.getMetadata().getGeneration(), status.getPhase(), status.getSummary(), names(plan.admit()),
                plan.pacing().concurrency(), plan.pacing().interval(), Objects.requireNonNullElse(plan.pacing().reason(), "no"), took);
    }

    private static long generation(LivePatch lp) {
        return lp.getMetadata().getGeneration() == null ? 0 : lp.getMetadata().getGeneration();
    }

    private static LivePatchPhase phase(LivePatch lp) {
        return lp.getStatus() == null ? null : lp.getStatus().getPhase();
    }

    /** At most ten names: a log line per reconcile must not list 500 admitted nodes. */
    private static String names(List<String> nodes) {
        return nodes.size() <= 10 ? nodes.toString() : nodes.subList(0, 10) + " and " + (nodes.size() - 10) + " more";
    }

    /** The node's spec with {@code livePatch}'s entries taken out (so its daemon retires them), {@code retained} as it is. */
    private static NodeSpecWriter.Desired withoutEntriesOf(String livePatch, Node node, NodeLivePatch nlp, Fleet fleet) {
        List<NodeModule> modules = NodeSpecs.replace(nlp.getSpec().getModules(), livePatch, List.of(), fleet.loadOrder());
        return new NodeSpecWriter.Desired(node, nlp, modules, nlp.getSpec().getRetained());
    }
}
