package dev.livepatch.operator.rollout;

import dev.livepatch.api.values.KubeDuration;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One node as the planner sees it for one LivePatch: what the objects say, nothing in memory.
 *
 * @param name              the node's name
 * @param state             its state in this rollout
 * @param ready             the Node's Ready condition is not False/Unknown; a node that is not ready is never admitted
 * @param lastTransitionAt  when its latest kernel transition finished (or the one in flight started); null if never
 * @param admittedGeneration the LivePatch generation its current-content entries were written at; null if not admitted
 * @param reason            why it is failed, stalled or conflicting (null otherwise)
 * @param message           human detail for {@code reason}
 * @param since             RFC 3339 time it entered that state, when known
 * @param kernelBusy        the node's kernel is in a transition, owes one (a load or a retirement), or its spec was
 *                          written and its daemon has not reported since: whatever its spec now says
 * @param progressAt        since when its object (spec generation, status) has not changed, as far as the operator saw; null if unknown
 */
public record NodeView(String name, NodeState state, boolean ready, Instant lastTransitionAt, Long admittedGeneration,
                       String reason, String message, String since, boolean kernelBusy, Instant progressAt) {
    public NodeView {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
    }

    public NodeView(String name, NodeState state, boolean ready, Instant lastTransitionAt, Long admittedGeneration,
                    String reason, String message, String since, boolean kernelBusy) {
        this(name, state, ready, lastTransitionAt, admittedGeneration, reason, message, since, kernelBusy, null);
    }

    /** A node whose kernel is busy exactly when its state says so (in progress, stalled). */
    public NodeView(String name, NodeState state, boolean ready, Instant lastTransitionAt, Long admittedGeneration,
                    String reason, String message, String since) {
        this(name, state, ready, lastTransitionAt, admittedGeneration, reason, message, since, state.busy());
    }

    public NodeView withProgressAt(Instant at) {
        return new NodeView(name, state, ready, lastTransitionAt, admittedGeneration, reason, message, since, kernelBusy, at);
    }

    /** Waits on its daemon: admitted and not done, or its kernel busy while it is pending. */
    public boolean awaitingDaemon() {
        return state == NodeState.IN_PROGRESS || state == NodeState.PENDING && kernelBusy;
    }

    /** Failed in this rollout for no status progress since {@code since}: it keeps its slot until its daemon reports an idle kernel. */
    public NodeView unresponsive(String reasonName, Duration deadline) {
        String message = "no status progress from its daemon for " + KubeDuration.format(deadline) + " (since " + progressAt
                + "); it keeps its slot until its daemon reports an idle kernel";
        return new NodeView(name, NodeState.FAILED, ready, lastTransitionAt, admittedGeneration, reasonName, message, progressAt.toString(),
                true, progressAt);
    }

    /** Pending again (a retry of a failed node), its kernel as busy as it is. */
    public NodeView pendingAgain() {
        return new NodeView(name, NodeState.PENDING, ready, lastTransitionAt, null, null, null, null, kernelBusy, progressAt);
    }

    /** Occupies one of the rollout's concurrency slots: its kernel is busy, or it is (stuck) in a transition of this rollout. */
    public boolean occupiesSlot() {
        return kernelBusy || state.busy();
    }
}
