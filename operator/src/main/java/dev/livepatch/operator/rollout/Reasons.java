package dev.livepatch.operator.rollout;

/** Condition and event reasons the operator writes on a LivePatch. */
public final class Reasons {
    public static final String INVALID = "Invalid";
    public static final String CONFLICT = "Conflict";
    public static final String PROGRESSING = "Progressing";
    public static final String ROLLING_OUT = "RollingOut";
    public static final String COMPLETE = "RolloutComplete";
    public static final String NODES_FAILED = "NodesFailed";
    public static final String TOO_MANY_FAILURES = "TooManyFailures";
    public static final String PAUSED = "Paused";
    public static final String CANARY_PAUSE = "CanaryPause";
    public static final String DELETING = "Deleting";
    public static final String ADMITTED = "Admitted";
    public static final String NODES_UPDATED = "NodesUpdated";
    public static final String NODE_FAILED = "NodeFailed";
    public static final String NODE_STALLED = "NodeStalled";
    /** An admitted node whose daemon reported no progress for rollout.progressDeadline. */
    public static final String NODE_UNRESPONSIVE = "NodeUnresponsive";
    public static final String RETRYING_FAILED = "RetryingFailed";
    public static final String RECONCILE_ERROR = "ReconcileError";
    public static final String SLOWED_DOWN = "SlowedDown";
    public static final String RELEASED = "Released";
    public static final String UNLOADED = "Unloaded";

    /** No maintenance window is open: the rollout waits for the next (docs/design.md §6.6). */
    public static final String WAITING_FOR_WINDOW = "WaitingForWindow";
    public static final String WINDOW_OPEN = "WindowOpen";
    /** A step's nodes are updated and its bake time runs (§6.7). */
    public static final String BAKING = "Baking";
    public static final String STEP_ADVANCED = "StepAdvanced";
    /** A node of a staged rollout fails its health gates: the steps stop (§6.7). */
    public static final String STEP_UNHEALTHY = "StepUnhealthy";
    /** spec.rollout.emergency is in force (§6.8). */
    public static final String EMERGENCY = "EmergencyRollout";
    public static final String EMERGENCY_ENDED = "EmergencyEnded";

    private Reasons() {}
}
