package dev.livepatch.daemon.plan;

import java.time.Instant;

/** The one next thing the daemon does on its node, as the {@link NodePlanner} decides it. */
public sealed interface Action {
    /** Load a verified module: its patching transition starts. */
    record Load(PlanInput.Desired module) implements Action {}

    /** Write 0 to the hybrid {@code replaceable} attribute of a pinned patch before an atomic replace. */
    record Protect(String patch) implements Action {}

    /** Write 0 to {@code enabled}: the patch's unpatching transition starts. */
    record Disable(String patch) implements Action {}

    /**
     * Write the opposite value to {@code enabled} of the patch in transition: the kernel reverses it.
     * {@code reason}: a NodeReasons value; {@code message}: the failure's words where the reason alone does not say them (else null).
     */
    record Revert(String patch, String reason, String message) implements Action {
        public Revert(String patch, String reason) { this(patch, reason, null); }
    }

    /** rmmod a module whose patch is gone, its grace period over. */
    record Unload(String module) implements Action {}

    /** A transition is in flight: look again at {@code until}. */
    record Wait(Instant until) implements Action {}

    /** Nothing to do now; {@code wakeAt} (null: none) is when something becomes due (an rmmod, a retry). */
    record Done(Instant wakeAt) implements Action {}
}
