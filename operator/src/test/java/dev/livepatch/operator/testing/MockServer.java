package dev.livepatch.operator.testing;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.operator.LivePatchOperator;
import dev.livepatch.operator.config.OperatorConfig;
import dev.livepatch.operator.write.AppliedLivePatches;
import dev.livepatch.operator.write.LivePatchStore;
import dev.livepatch.operator.write.NodeSpec;
import dev.livepatch.operator.write.NodeSpecStore;
import dev.livepatch.operator.write.Writes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The operator on the Fabric8 mock server, which has no server-side apply: writes that carry the
 * resourceVersion they decided from as plain updates and JSON patches instead (the apply path is
 * proven on the real control plane, in e2e). No leader election, no HTTP port.
 */
public final class MockServer {
    private MockServer() {}

    public static OperatorConfig config() {
        return OperatorConfig.fromEnv(Map.of(OperatorConfig.Setting.LEADER_ELECTION.env, "false", OperatorConfig.Setting.HTTP_PORT.env, "-1",
                OperatorConfig.Setting.RESYNC.env, "5s"));
    }

    public static LivePatchOperator start(KubernetesClient client) {
        return start(client, config());
    }

    public static LivePatchOperator start(KubernetesClient client, OperatorConfig config) {
        return LivePatchOperator.start(client, config, Clock.systemUTC(), writes(client));
    }

    public static Writes writes(KubernetesClient client) {
        return new Writes(new NodeSpecs(client), new LivePatches(client), false);
    }

    /** Creates, or replaces the spec by a JSON patch: the mock server's merge patch does not empty a list. */
    static final class NodeSpecs implements NodeSpecStore {
        private final KubernetesClient client;

        NodeSpecs(KubernetesClient client) {
            this.client = client;
        }

        @Override
        public NodeLivePatch store(NodeSpec spec) {
            NodeLivePatch desired = spec.desired();
            if (spec.current() == null) {
                return client.resource(desired).create();
            }
            List<Map<String, Object>> patch = List.of(
                    Map.of("op", "replace", "path", "/metadata/resourceVersion", "value", spec.current().getMetadata().getResourceVersion()),
                    Map.of("op", "add", "path", "/spec", "value", desired.getSpec()));
            return client.resources(NodeLivePatch.class).withName(spec.name()).patch(PatchContext.of(PatchType.JSON), Serialization.asJson(patch));
        }
    }

    /** Status by an update that carries the resourceVersion; the pause (a merge patch) and reads as in production. */
    static final class LivePatches implements LivePatchStore {
        private final KubernetesClient client;
        private final AppliedLivePatches production;

        LivePatches(KubernetesClient client) {
            this.client = client;
            this.production = new AppliedLivePatches(client, "livepatch-operator");
        }

        @Override
        public LivePatch storeStatus(LivePatch current, LivePatch desired) {
            desired.setSpec(current.getSpec());
            return client.resource(desired).subresource("status").update();
        }

        @Override
        public LivePatch pause(String name) {
            return production.pause(name);
        }

        @Override
        public LivePatch get(String name) {
            return production.get(name);
        }
    }
}
