package dev.livepatch.operator.write;

import dev.livepatch.api.v1alpha1.LivePatch;

/** The operator's writes to LivePatches, raw. Production: {@link AppliedLivePatches}. */
public interface LivePatchStore {
    /** Stores {@code desired}'s status (name, resourceVersion and status set); returns the stored object. */
    LivePatch storeStatus(LivePatch current, LivePatch desired);

    /** Sets {@code spec.rollout.paused: true} without taking ownership of the field; returns the stored object. */
    LivePatch pause(String name);

    /** The object as stored now, or null. */
    LivePatch get(String name);
}
