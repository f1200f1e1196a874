package dev.livepatch.api.v1alpha1;

/**
 * Reasons a node daemon reports on a module or condition. The operator copies them into the
 * LivePatch's failures, so they are the words a user sees: each names a cause one can act on.
 */
public final class NodeReasons {
    /** The module file's sha256 differs from the spec's. */
    public static final String CHECKSUM_MISMATCH = "ChecksumMismatch";
    /** The module file is not a livepatch (modinfo has no {@code livepatch: Y}). */
    public static final String NOT_A_LIVEPATCH = "NotALivepatch";
    /** The module was built for another kernel (vermagic differs from uname -r). */
    public static final String VERMAGIC_MISMATCH = "VermagicMismatch";
    /** The module file could not be fetched (url, ConfigMap or hostPath). */
    public static final String FETCH_FAILED = "FetchFailed";
    /** An atomic-replace module would sweep pinned or unmanaged patches on a kernel without the hybrid attribute. */
    public static final String HYBRID_UNSUPPORTED = "HybridUnsupported";
    /** The kernel refused the load or the enable (insmod error, EINVAL, ...). */
    public static final String LOAD_FAILED = "LoadFailed";
    /** The transition outlasted stallTimeout and was reversed (onStall: Revert). */
    public static final String STALL_REVERTED = "StallReverted";
    /** The transition has outlasted stallTimeout and the node keeps waiting (onStall: Wait). */
    public static final String TRANSITION_STALLED = "TransitionStalled";
    /** The node's kernel has no livepatch support. */
    public static final String LIVEPATCH_UNSUPPORTED = "LivepatchUnsupported";
    /** The desired set breaks a hybrid rule (e.g. two atomic-replace modules). */
    public static final String INVALID_DESIRED_SET = "InvalidDesiredSet";
    /** The module's own name (modinfo {@code name}) differs from the spec's name. */
    public static final String NAME_MISMATCH = "NameMismatch";
    /** The kernel shows the module built with atomic replace while the spec declares it without; its transition was reversed. */
    public static final String ATOMIC_REPLACE_UNDECLARED = "AtomicReplaceUndeclared";
    /**
     * A replaceable module patches a function a pinned patch below it also patches: the top of the
     * kernel's function stack wins, so the pinned fix would be overridden while it stays loaded.
     */
    public static final String FUNCTION_OVERLAP = "FunctionOverlap";
    /** A transient failure (fetch timeout, API server busy, kernel busy); retried with backoff. */
    public static final String RETRYING = "Retrying";
    /** Something in the kernel is in the way of the module (a loaded module without its patch, an unreadable attribute). */
    public static final String BLOCKED = "Blocked";
    /** The daemon's host state file is unreadable or unwritable. */
    public static final String STATE_FILE_ERROR = "StateFileError";
    /** A health gate failed during the module's bake (a kernel oops, BUG:, WARNING:, RCU-tasks stall or new taint); see status.healthGates. */
    public static final String HEALTH_GATE_FAILED = "HealthGateFailed";
    /** Preflight: the module was fetched and passed every check a load makes; nothing was loaded. */
    public static final String READY_TO_APPLY = "ReadyToApply";
    /** Kernel matches spec. */
    public static final String CONVERGED = "Converged";
    /** A transition is in flight or modules wait their turn. */
    public static final String APPLYING = "Applying";

    private NodeReasons() {}
}
