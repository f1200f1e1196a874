package dev.livepatch.daemon.plan;

import dev.livepatch.daemon.plan.PlanInput.Desired;
import dev.livepatch.daemon.plan.PlanInput.Managed;

/**
 * A module for the planner's input, each property named, as a member of the desired set
 * ({@link #desired()}) or as the daemon's record of a loaded patch ({@link #managed()}):
 * {@code replaceable("r2").of("L2").sha256("s2").desired()}. Pinned or replaceable has no default;
 * otherwise the module is not atomic-replace, not blocked, has digest "s1" and comes from LivePatch "L1".
 */
final class PlanModule {
    private final String name;
    private final boolean replaceable;
    private String sha256 = "s1";
    private boolean atomicReplace;
    private boolean blocked;
    private String livePatch = "L1";

    private PlanModule(String name, boolean replaceable) {
        this.name = name;
        this.replaceable = replaceable;
    }

    static PlanModule pinned(String name) {
        return new PlanModule(name, false);
    }

    static PlanModule replaceable(String name) {
        return new PlanModule(name, true);
    }

    /** The same member of D, every property copied. */
    static PlanModule from(Desired d) {
        return (d.replaceable() ? replaceable(d.name()) : pinned(d.name())).sha256(d.sha256()).atomicReplace(d.atomicReplace())
                .blocked(d.blocked()).of(d.livePatch());
    }

    /** The module a record describes, every property copied. */
    static PlanModule from(Managed m) {
        return (m.replaceable() ? replaceable(m.name()) : pinned(m.name())).sha256(m.sha256()).atomicReplace(m.atomicReplace()).of(m.livePatch());
    }

    PlanModule sha256(String sha256) {
        this.sha256 = sha256;
        return this;
    }

    PlanModule atomicReplace() {
        return atomicReplace(true);
    }

    PlanModule atomicReplace(boolean atomicReplace) {
        this.atomicReplace = atomicReplace;
        return this;
    }

    /** Not to be loaded now (Failed until its entry changes, or its file not available), its name still desired. */
    PlanModule blocked() {
        return blocked(true);
    }

    PlanModule blocked(boolean blocked) {
        this.blocked = blocked;
        return this;
    }

    /** Declared by LivePatch {@code livePatch}. */
    PlanModule of(String livePatch) {
        this.livePatch = livePatch;
        return this;
    }

    Desired desired() {
        return new Desired(name, sha256, replaceable, atomicReplace, blocked, livePatch);
    }

    Managed managed() {
        if (blocked) {
            throw new IllegalStateException(name + ": a record is of a loaded patch; blocked applies to a desired module only");
        }
        return new Managed(name, sha256, replaceable, atomicReplace, livePatch);
    }
}
