package dev.livepatch.operator.rollout.steps;

/** Where the current step stands. */
public enum StepState {
    /** Admitting nodes up to the step's count. */
    Admitting,
    /** Its nodes are updated; waiting for the bake time to pass. */
    Baking,
    /** A node of the rollout fails its health gates: the steps stop until it is retried or fixed. */
    Unhealthy,
    /** Every step has baked: the remaining nodes follow with the rollout's pacing. */
    Done
}
