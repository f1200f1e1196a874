package dev.livepatch.api.v1alpha1;

/** How a transition ended. */
public enum TransitionOutcome {
    /** Completed within stallTimeout. */
    Completed,
    /** Completed, but only after outlasting stallTimeout (onStall: Wait). */
    CompletedAfterStall,
    /** Stalled and reversed (onStall: Revert). */
    Reverted,
    /** The kernel refused it or it could not be started. */
    Failed
}
