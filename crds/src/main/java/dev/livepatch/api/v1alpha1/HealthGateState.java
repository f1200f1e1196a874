package dev.livepatch.api.v1alpha1;

/** Where one patch's health watch stands on its node. */
public enum HealthGateState {
    /** Enabled, its bake time not over yet; the kernel log and taint are watched. */
    Watching,
    /** The bake time passed with every gate holding. */
    Passed,
    /** A gate failed: see the lines. */
    Failed
}
