package dev.livepatch.operator.livepatch;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one writer of LivePatch status, and of the single spec field the operator ever sets
 * ({@code spec.rollout.paused} after the canaries). A status equal to the stored one is not
 * written. Status goes by server-side apply under the operator's field manager, or (mock server
 * only) by a status update that carries the resourceVersion.
 *
 * <p>It remembers the object each write stored, so that a reconcile can start from what this
 * operator last wrote without a GET ({@link #freshest}): the informer cache may not show the
 * status written a moment ago (its admission time, its canary pause) yet.
 */
public final class LivePatchWriter {
    private final KubernetesClient client;
    private final String fieldManager;
    private final boolean serverSideApply;
    private final Map<String, LivePatch> lastStored = new ConcurrentHashMap<>();

    public LivePatchWriter(KubernetesClient client, String fieldManager, boolean serverSideApply) {
        this.client = client;
        this.fieldManager = fieldManager;
        this.serverSideApply = serverSideApply;
    }

    /** Writes the status unless it equals the stored one; returns whether it wrote. */
    public boolean writeStatus(LivePatch current, LivePatchStatus status) {
        if (Objects.equals(json(current.getStatus()), json(status))) {
            return false;
        }
        LivePatch desired = new LivePatch();
        desired.setMetadata(new ObjectMetaBuilder().withName(current.getMetadata().getName())
                .withResourceVersion(current.getMetadata().getResourceVersion()).build());
        desired.setStatus(status);
        if (serverSideApply) {
            desired.getMetadata().setResourceVersion(null); // status is ours alone: apply without a precondition
            stored(client.resource(desired).subresource("status").patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
                    .withFieldManager(fieldManager).withForce(true).build(), desired));
        } else {
            desired.setSpec(current.getSpec());
            stored(client.resource(desired).subresource("status").update());
        }
        return true;
    }

    /**
     * The LivePatch as stored now, for a reconcile to start from: its status carries the last
     * admission time and the canary pause, which the cached copy may not show yet right after this
     * operator wrote them. The newer of {@code cached} and the object this writer last stored for it; a GET when this
     * writer has stored none (after a start) or resourceVersions do not compare. Kubernetes calls
     * resourceVersions opaque, but they are etcd revisions that only grow; the fallback keeps this
     * right on a server where they are not numbers.
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
        LivePatch stored = client.resources(LivePatch.class).withName(cached.getMetadata().getName()).get();
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

    /**
     * Sets {@code spec.rollout.paused: true} by a merge patch, not by apply: the field belongs to
     * the user (or their GitOps tool), who sets it back to false to go on; the operator must not
     * take ownership of it.
     */
    public void pause(LivePatch current) {
        stored(client.resources(LivePatch.class).withName(current.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"rollout\":{\"paused\":true}}}"));
    }

    private static String json(Object o) {
        return o == null ? null : Serialization.asJson(o);
    }
}
