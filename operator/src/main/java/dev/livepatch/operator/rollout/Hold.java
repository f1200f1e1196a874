package dev.livepatch.operator.rollout;

/** Why the planner admits nothing at all this time, whatever the pacing. */
public enum Hold {
    NONE,
    /** spec.rollout.paused is true. */
    PAUSED,
    /** Failed plus stalled nodes exceed maxFailedNodes: the rollout paused itself. */
    TOO_MANY_FAILURES,
    /** The canaries are done; the rollout pauses until a user sets paused back to false. */
    CANARY_PAUSE
}
