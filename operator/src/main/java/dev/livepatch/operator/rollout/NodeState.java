package dev.livepatch.operator.rollout;

/**
 * Where one node stands in one LivePatch's rollout (docs/node-contract.md, "How the operator reads
 * a node"). Every node the LivePatch's selector picks has exactly one of these states.
 */
public enum NodeState {
    /** Selected, but its kernel release matches no module (not counted as targeted). */
    NOT_APPLICABLE,
    /** Targeted, but an older LivePatch holds the node with a clashing module (reason Conflict). */
    CONFLICT,
    /** Targeted and not admitted at the current module content (may still run an older version). */
    PENDING,
    /** Admitted at the current content; the daemon has not finished. */
    IN_PROGRESS,
    /** Every module of the LivePatch is Enabled for the current spec. */
    UPDATED,
    /** Some module of the LivePatch is Failed. */
    FAILED,
    /** Some module of the LivePatch is Stalled. */
    STALLED;

    /** Counted in {@code targetNodes}. */
    public boolean targeted() {
        return this != NOT_APPLICABLE;
    }

    /** Occupies one of the rollout's concurrency slots: the node is in (or stuck in) a transition. */
    public boolean busy() {
        return this == IN_PROGRESS || this == STALLED;
    }
}
