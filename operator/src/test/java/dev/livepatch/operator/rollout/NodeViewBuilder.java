package dev.livepatch.operator.rollout;

import java.time.Instant;

/**
 * A {@link NodeView} for tests, each field named: {@code node("a", NodeState.FAILED).admittedAt(3).failed("LoadFailed", "insmod: EINVAL")}.
 * Unless told otherwise the node is ready, never transitioned, not admitted, and its kernel is busy
 * exactly when its state says so (in progress, stalled).
 */
public final class NodeViewBuilder {
    private final String name;
    private final NodeState state;
    private boolean ready = true;
    private Instant lastTransitionAt;
    private Long admittedGeneration;
    private String reason;
    private String message;
    private String since;
    private boolean kernelBusy;
    private Instant progressAt;

    private NodeViewBuilder(String name, NodeState state) {
        this.name = name;
        this.state = state;
        this.kernelBusy = state.busy();
    }

    public static NodeViewBuilder node(String name, NodeState state) {
        return new NodeViewBuilder(name, state);
    }

    /** The same node, every field copied. */
    public static NodeViewBuilder from(NodeView v) {
        return node(v.name(), v.state()).ready(v.ready()).lastTransitionAt(v.lastTransitionAt()).admittedGeneration(v.admittedGeneration())
                .reason(v.reason(), v.message()).since(v.since()).kernelBusy(v.kernelBusy()).progressAt(v.progressAt());
    }

    /** Its Node's Ready condition is False or Unknown. */
    public NodeViewBuilder notReady() {
        return ready(false);
    }

    public NodeViewBuilder ready(boolean ready) {
        this.ready = ready;
        return this;
    }

    /** When its latest kernel transition finished; null: never. */
    public NodeViewBuilder lastTransitionAt(Instant at) {
        this.lastTransitionAt = at;
        return this;
    }

    /** Admitted: its current-content entries were written at this LivePatch generation. */
    public NodeViewBuilder admittedAt(long generation) {
        return admittedGeneration(generation);
    }

    public NodeViewBuilder admittedGeneration(Long generation) {
        this.admittedGeneration = generation;
        return this;
    }

    /** Why it is failed, stalled or conflicting, and the detail. */
    public NodeViewBuilder reason(String reason, String message) {
        this.reason = reason;
        this.message = message;
        return this;
    }

    public NodeViewBuilder since(String since) {
        this.since = since;
        return this;
    }

    /** Its kernel is in a transition or owes one, whatever its state says. */
    public NodeViewBuilder kernelBusy() {
        return kernelBusy(true);
    }

    /** Its kernel is idle, whatever its state says. */
    public NodeViewBuilder kernelIdle() {
        return kernelBusy(false);
    }

    public NodeViewBuilder kernelBusy(boolean busy) {
        this.kernelBusy = busy;
        return this;
    }

    /** Its object has not changed since then, as far as the operator saw. */
    public NodeViewBuilder progressAt(Instant at) {
        this.progressAt = at;
        return this;
    }

    public NodeView build() {
        return new NodeView(name, state, ready, lastTransitionAt, admittedGeneration, reason, message, since, kernelBusy, progressAt);
    }
}
