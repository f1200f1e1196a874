package dev.livepatch.operator.rollout;

/** Why the planner admits nothing at all this time, whatever the pacing. */
public enum Hold {
    NONE,
    /** spec.rollout.paused is true. */
    PAUSED,
    /** Failed plus stalled nodes exceed maxFailedNodes: the rollout paused itself. */
    TOO_MANY_FAILURES,
    /** The canaries are done; the rollout pauses until a user sets paused back to false. */
    CANARY_PAUSE,
    /** No maintenance window is open: the rollout waits for the next one (progressing, not failed). */
    OUTSIDE_WINDOW,
    /** The current step's nodes are updated; its bake time has not passed yet. */
    BAKING,
    /** A node of a staged rollout fails its health gates: the steps stop until it is retried or fixed. */
    STEP_UNHEALTHY
}
