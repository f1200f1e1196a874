package dev.livepatch.operator.write;

import dev.livepatch.api.v1alpha1.LivePatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * LivePatch status by server-side apply under the operator's field manager, without a
 * precondition (status is the operator's alone); the canary pause by a merge patch: the field
 * belongs to the user (or their GitOps tool), who sets it back to false to go on.
 */
public final class AppliedLivePatches implements LivePatchStore {
    private final KubernetesClient client;
    private final String fieldManager;

    public AppliedLivePatches(KubernetesClient client, String fieldManager) {
        this.client = client;
        this.fieldManager = fieldManager;
    }

    @Override
    public LivePatch storeStatus(LivePatch current, LivePatch desired) {
        desired.getMetadata().setResourceVersion(null);
        return client.resource(desired).subresource("status").patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager(fieldManager).withForce(true).build(), desired);
    }

    @Override
    public LivePatch pause(String name) {
        return client.resources(LivePatch.class).withName(name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"rollout\":{\"paused\":true}}}");
    }

    @Override
    public LivePatch get(String name) {
        return client.resources(LivePatch.class).withName(name).get();
    }
}
