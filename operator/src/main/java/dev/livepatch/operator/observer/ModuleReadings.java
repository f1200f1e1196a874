package dev.livepatch.operator.observer;

import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeReasons;

/**
 * What one module status a daemon reports means to a rollout, beyond its state: the health gates'
 * verdict, preflight's outcome, and a daemon waiting for a person (docs/node-contract.md).
 */
final class ModuleReadings {
    private ModuleReadings() {}

    /**
     * The node failed on this module: it is Failed, its daemon is blocked, or a health gate failed
     * under onUnhealthy: Pause (which leaves the module Enabled with that reason).
     */
    static boolean failed(ModuleStatus s) {
        return s.getState() == ModuleState.Failed || blocked(s) || NodeReasons.HEALTH_GATE_FAILED.equals(s.getReason());
    }

    /** Done on this node: Enabled, or (in preflight) ready to apply, which holds no slot and counts as updated. */
    static boolean done(ModuleStatus s) {
        return s.getState() == ModuleState.Enabled || readyToApply(s);
    }

    /** The kernel owes no transition for this module: done, Failed, or blocked. */
    static boolean settled(ModuleStatus s) {
        return done(s) || s.getState() == ModuleState.Failed || blocked(s);
    }

    /** Preflight's outcome for a module that would load: nothing loaded, nothing owed. */
    private static boolean readyToApply(ModuleStatus s) {
        return s.getState() == ModuleState.Pending && NodeReasons.READY_TO_APPLY.equals(s.getReason());
    }

    /**
     * The daemon waits for a person (something in the kernel is in its way that it will not touch):
     * the node has failed for now, with the daemon's reason and message, and its kernel owes nothing
     * until then — not a silent node for progressDeadline to report NodeUnresponsive.
     */
    private static boolean blocked(ModuleStatus s) {
        return s.getState() == ModuleState.Pending && NodeReasons.BLOCKED.equals(s.getReason());
    }
}
