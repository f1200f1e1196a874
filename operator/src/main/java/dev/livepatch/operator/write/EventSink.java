package dev.livepatch.operator.write;

import dev.livepatch.api.v1alpha1.LivePatch;

/** Where events on LivePatches go. Production: {@link EventRecorder}. A failed event write never fails a reconcile. */
public interface EventSink {
    void record(LivePatch lp, EventNote note);

    /** Forgets what it holds for a deleted LivePatch. */
    default void forget(LivePatch lp) {}
}
