package dev.livepatch.operator.write;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The operator's write path: NodeLivePatch specs, LivePatch status and pause, and how JOSDK
 * patches the LivePatch itself (its finalizer). Production has one, {@link #serverSideApply};
 * tests on an API server without server-side apply (the Fabric8 mock server) plug in their own.
 */
public record Writes(NodeSpecStore nodeSpecs, LivePatchStore livePatches, boolean josdkServerSideApply) {

    public static Writes serverSideApply(KubernetesClient client, String fieldManager) {
        return new Writes(new AppliedNodeSpecs(client, fieldManager), new AppliedLivePatches(client, fieldManager), true);
    }
}
