package dev.livepatch.operator.controller;

import dev.livepatch.api.v1alpha1.LivePatch;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.Set;

/**
 * The LivePatch controller's event source for the ends of spec writes that no reconcile waits for
 * (docs/design.md §6.1): a write another one was deferred behind has ended, or one failed. JOSDK
 * coalesces these with the informers' events into one more reconcile. Before JOSDK starts it, or
 * after it stops, an event is dropped: nothing would act on it.
 */
public final class WriteCompletions extends AbstractEventSource<Void, LivePatch> {

    public WriteCompletions() {
        super(Void.class, "spec-write-completions");
    }

    /** Asks for a reconcile of the (cluster-scoped) LivePatch {@code name}. */
    public void wake(String name) {
        if (isRunning() && getEventHandler() != null) {
            getEventHandler().handleEvent(new Event(new ResourceID(name)));
        }
    }

    @Override
    public Set<Void> getSecondaryResources(LivePatch primary) {
        return Set.of();
    }
}
