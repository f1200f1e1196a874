package dev.livepatch.api.v1alpha1;

/** What happens to the nodes' kernels when a LivePatch is deleted. */
public enum RemovalPolicy {
    /** Roll the modules off the nodes with the rollout's pacing, then release the finalizer. */
    Unload,
    /** Release the nodes' specs but leave the kernels patched. */
    Retain
}
