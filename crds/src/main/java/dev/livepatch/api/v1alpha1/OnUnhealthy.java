package dev.livepatch.api.v1alpha1;

/** What a node does when a health gate fails during a module's bake (docs/design.md §5 rule 13). */
public enum OnUnhealthy {
    /** Disable the unhealthy patch (the old version, kept loaded through the bake, runs again) and report the module Failed. */
    Revert,
    /** Leave the patch enabled and report the failure; the rollout is the operator's to pause. */
    Pause
}
