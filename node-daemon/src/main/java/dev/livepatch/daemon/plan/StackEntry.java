package dev.livepatch.daemon.plan;

import dev.livepatch.daemon.kernel.PatchedFunction;
import dev.livepatch.daemon.plan.PlanInput.Managed;

import java.util.Set;

/** A patch of the hybrid planner's model stack: its hybrid attribute value (null: kernel lacks it), whether the daemon manages it, its functions. */
record StackEntry(String name, Boolean attr, Managed managed, Set<PatchedFunction> functions) {
    boolean sweptByAtomicReplace(boolean hybrid) { return !hybrid || !Boolean.FALSE.equals(attr); }
}
