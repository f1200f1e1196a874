package dev.livepatch.operator.write;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one writer of LivePatch status, and of the single spec field the operator ever sets
 * ({@code spec.rollout.paused} after the canaries), through a {@link LivePatchStore}. A status
 * equal to the stored one is not written.
 *
 * <p>It remembers the object each write stored, so that a reconcile can start from what this
 * operator last wrote without a GET ({@link #freshest}): the informer cache may not show the
 * status written a moment ago (its admission time, its canary pause) yet.
 */
public final class StatusWriter {
    private final LivePatchStore store;
    private final Map<String, LivePatch> lastStored = new ConcurrentHashMap<>();

    public StatusWriter(LivePatchStore store) {
        this.store = store;
    }

    /** Writes the status unless it equals the stored one; returns whether it wrote. */
    public boolean write(LivePatch current, LivePatchStatus status) {
        if (Objects.equals(json(current.getStatus()), json(status))) {
            return false;
        }
        LivePatch desired = new LivePatch();
        desired.setMetadata(new ObjectMetaBuilder().withName(current.getMetadata().getName())
                .withResourceVersion(current.getMetadata().getResourceVersion()).build());
        desired.setStatus(status);
        stored(store.storeStatus(current, desired));
        return true;
    }

    public void pause(LivePatch current) {
        stored(store.pause(current.getMetadata().getName()));
    }

    /**
     * The LivePatch as stored now, for a reconcile to start from: the newer of {@code cached} and
     * the object this writer last stored for it; a GET when this writer has stored none (after a
     * start) or resourceVersions do not compare. Kubernetes calls resourceVersions opaque, but they
     * are etcd revisions that only grow; the fallback keeps this right where they are not numbers.
     */
    public LivePatch freshest(LivePatch cached) {
        LivePatch mine = lastStored.get(cached.getMetadata().getName());
        if (mine != null && Objects.equals(mine.getMetadata().getUid(), cached.getMetadata().getUid())) {
            try {
                long cachedVersion = Long.parseLong(cached.getMetadata().getResourceVersion());
                long mineVersion = Long.parseLong(mine.getMetadata().getResourceVersion());
                return cachedVersion >= mineVersion ? cached : mine;
            } catch (NumberFormatException | NullPointerException e) {
                // not comparable: ask the server
            }
        }
        LivePatch stored = store.get(cached.getMetadata().getName());
        return stored == null ? cached : stored;
    }

    /** Forgets a deleted LivePatch. */
    public void forget(String name) {
        lastStored.remove(name);
    }

    private void stored(LivePatch lp) {
        if (lp != null && lp.getMetadata() != null) {
            lastStored.put(lp.getMetadata().getName(), lp);
        }
    }

    private static String json(Object o) {
        return o == null ? null : Serialization.asJson(o);
    }
}
