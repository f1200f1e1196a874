package dev.livepatch.api.v1alpha1;

/** Where one desired module stands on its node. */
public enum ModuleState {
    /** Not loaded yet: waiting its turn, or being fetched and checked. */
    Pending,
    /** Its patching transition is in flight. */
    Transitioning,
    /** Its transition has outlasted stallTimeout (onStall: Wait keeps it here). */
    Stalled,
    /** Enabled and out of transition: the node has it. */
    Enabled,
    /** Refused before loading (checksum, vermagic, not a livepatch, hybrid rules) or reverted after a stall; reason says which. */
    Failed
}
