package dev.livepatch.daemon.plan;

/** One action of a plan. Load and Disable each start one kernel transition; Protect starts none. */
public sealed interface Step {
    String patch();

    /** insmod the module: its patch is enabled by a patching transition. */
    record Load(PlanInput.Desired module) implements Step {
        @Override
        public String patch() { return module.name(); }
    }

    /** Write 0 to the hybrid {@code replaceable} attribute of a pinned patch, so an atomic replace leaves it alone. */
    record Protect(String patch) implements Step {}

    /** Write 0 to {@code enabled}: an unpatching transition, after which the patch directory vanishes. */
    record Disable(String patch) implements Step {}
}
