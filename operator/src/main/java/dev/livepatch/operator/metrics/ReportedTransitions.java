package dev.livepatch.operator.metrics;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.Transition;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.operator.observer.NodeReader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The kernel transitions and stalls the daemons report in their NodeLivePatch status, as the
 * operator's caches show them: {@code livepatch_reported_transition_seconds{direction,outcome}} (a
 * histogram) and {@code livepatch_reported_stalls_total{direction}}. Every reconcile sees every
 * node, so each node keeps a watermark: a finished transition is counted once, when it first
 * appears in {@code status.lastTransitions}; a stall once per transition, when the node first
 * reports it Stalled. What finished or stalled before this operator started is not counted (a
 * previous process counted it). No node label: one series per direction and outcome (docs/design.md §6.5).
 */
public final class ReportedTransitions {
    private final MeterRegistry registry;
    private final Instant countFrom;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    /** What was counted of one node: as of which resourceVersion, up to which finishedAt, which stalled transition. */
    private record Seen(String resourceVersion, Instant finishedUpTo, String stalledTransition) {}

    public ReportedTransitions(MeterRegistry registry, Instant countFrom) {
        this.registry = registry;
        this.countFrom = countFrom;
    }

    /** Counts what these NodeLivePatches report that was not counted before; forgets nodes no longer there. */
    public void observe(Collection<NodeLivePatch> nodeLivePatches) {
        for (NodeLivePatch nlp : nodeLivePatches) {
            Seen before = seen.get(nlp.getMetadata().getName());
            if (before != null && unchanged(nlp, before)) {
                continue; // the common case: counted at this resourceVersion already, read without a write to the map
            }
            seen.compute(nlp.getMetadata().getName(), (node, earlier) -> count(nlp, earlier));
        }
        if (seen.size() > nodeLivePatches.size()) {
            Set<String> present = nodeLivePatches.stream().map(n -> n.getMetadata().getName()).collect(Collectors.toSet());
            seen.keySet().retainAll(present);
        }
    }

    private Seen count(NodeLivePatch nlp, Seen before) {
        if (before != null && unchanged(nlp, before)) {
            return before;
        }
        String version = nlp.getMetadata().getResourceVersion();
        Instant upTo = before == null ? countFrom : before.finishedUpTo();
        String stalled = before == null ? null : before.stalledTransition();
        NodeLivePatchStatus status = nlp.getStatus();
        if (status == null) {
            return new Seen(version, upTo, stalled);
        }
        Instant newest = upTo;
        for (TransitionRecord r : status.getLastTransitions()) {
            Instant finished = NodeReader.instant(r.getFinishedAt());
            if (finished != null && finished.isAfter(upTo) && r.getDirection() != null && r.getOutcome() != null) {
                Timer.builder("livepatch_reported_transition").description("Kernel transitions the daemons reported finished, by outcome")
                        .tag("direction", r.getDirection().name()).tag("outcome", r.getOutcome().name())
                        .serviceLevelObjectives(Buckets.TRANSITION_SECONDS).register(registry)
                        .record(Duration.ofMillis(Math.round((r.getSeconds() == null ? 0 : r.getSeconds()) * 1000)));
                newest = finished.isAfter(newest) ? finished : newest;
            }
        }
        return new Seen(version, newest, countStall(status, before == null, stalled));
    }

    private static boolean unchanged(NodeLivePatch nlp, Seen before) {
        String version = nlp.getMetadata().getResourceVersion();
        return version != null && version.equals(before.resourceVersion());
    }

    /** The key of the stalled transition in flight once counted, else what was counted before. */
    private String countStall(NodeLivePatchStatus status, boolean firstLook, String counted) {
        Transition t = status.getTransition();
        boolean stalled = t != null && status.getConditions().stream()
                .anyMatch(c -> "Stalled".equals(c.getType()) && "True".equals(c.getStatus()));
        if (!stalled) {
            return counted;
        }
        String key = t.getPatch() + "@" + t.getStartedAt();
        Instant started = NodeReader.instant(t.getStartedAt());
        boolean earlier = firstLook && (started == null || started.isBefore(countFrom));
        if (!key.equals(counted) && !earlier && t.getDirection() != null) {
            Counter.builder("livepatch_reported_stalls").description("Kernel transitions the daemons reported stalled (outlasted stallTimeout)")
                    .tag("direction", t.getDirection().name()).register(registry).increment();
        }
        return key;
    }
}
