package dev.livepatch.operator.livepatch;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Objects;

/**
 * The one writer of LivePatch status, and of the single spec field the operator ever sets
 * ({@code spec.rollout.paused} after the canaries). A status equal to the stored one is not
 * written. Status goes by server-side apply under the operator's field manager, or (mock server
 * only) by a status update that carries the resourceVersion.
 */
public final class LivePatchWriter {
    private final KubernetesClient client;
    private final String fieldManager;
    private final boolean serverSideApply;

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
            client.resource(desired).subresource("status").patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
                    .withFieldManager(fieldManager).withForce(true).build(), desired);
        } else {
            desired.setSpec(current.getSpec());
            client.resource(desired).subresource("status").update();
        }
        return true;
    }

    /**
     * Sets {@code spec.rollout.paused: true} by a merge patch, not by apply: the field belongs to
     * the user (or their GitOps tool), who sets it back to false to go on; the operator must not
     * take ownership of it.
     */
    public void pause(LivePatch current) {
        client.resources(LivePatch.class).withName(current.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"rollout\":{\"paused\":true}}}");
    }

    private static String json(Object o) {
        return o == null ? null : Serialization.asJson(o);
    }
}
