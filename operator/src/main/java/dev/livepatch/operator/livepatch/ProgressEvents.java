package dev.livepatch.operator.livepatch;

import dev.livepatch.api.v1alpha1.LivePatch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The progress events of a rollout ({@code Admitted}, {@code NodesUpdated}), at most one of each
 * per LivePatch per {@link #PERIOD}, each summing up what happened since the last one. A reconcile
 * per finished node would otherwise record an event per node: 5,000 Event writes for a 5,000-node
 * fleet, each a round trip that delays the next admission. The first admission of a rollout and
 * the last node updated are recorded at once. Failures, pauses and phase changes are not throttled
 * (RolloutService records them directly). Held in memory only: after a restart, the next progress
 * event merely comes early.
 */
final class ProgressEvents {
    static final Duration PERIOD = Duration.ofSeconds(10);
    private static final int MAX_NAMES = 10;

    private final EventRecorder events;
    private final Map<String, Progress> byLivePatch = new ConcurrentHashMap<>();

    private static final class Progress {
        Instant admittedAt;
        final List<String> names = new ArrayList<>();
        int admittedSince;
        Instant updatedAt;
        Integer updatedReported;
    }

    ProgressEvents(EventRecorder events) {
        this.events = events;
    }

    /** Nodes admitted (or, while unloading, rolled off) now; {@code verb} e.g. "admitted". */
    void admitted(LivePatch lp, String verb, List<String> nodes, String detail, Instant now) {
        Progress p = byLivePatch.computeIfAbsent(lp.getMetadata().getName(), n -> new Progress());
        synchronized (p) {
            nodes.stream().limit(Math.max(0, MAX_NAMES - p.names.size())).forEach(p.names::add);
            p.admittedSince += nodes.size();
            if (p.admittedAt != null && now.isBefore(p.admittedAt.plus(PERIOD))) {
                return;
            }
            int more = p.admittedSince - p.names.size();
            events.normal(lp, Reasons.ADMITTED, verb + " " + String.join(", ", p.names) + (more > 0 ? " and " + more + " more" : "")
                    + (p.admittedAt == null ? "" : " since " + p.admittedAt) + detail);
            p.admittedAt = now;
            p.names.clear();
            p.admittedSince = 0;
        }
    }

    /** The rollout's updated count went from {@code before} (the stored status) to {@code now}. */
    void updated(LivePatch lp, int before, int updated, int target, String summary, Instant now) {
        Progress p = byLivePatch.computeIfAbsent(lp.getMetadata().getName(), n -> new Progress());
        synchronized (p) {
            int reported = p.updatedReported == null || p.updatedReported > before ? before : p.updatedReported;
            boolean done = updated >= target;
            if (updated <= reported || (!done && p.updatedAt != null && now.isBefore(p.updatedAt.plus(PERIOD)))) {
                return;
            }
            events.normal(lp, Reasons.NODES_UPDATED, (updated - reported) + " more node(s) updated: " + summary);
            p.updatedAt = now;
            p.updatedReported = updated;
        }
    }

    void forget(String livePatch) {
        byLivePatch.remove(livePatch);
    }
}
