package dev.livepatch.operator.testing;

import dev.livepatch.api.fixture.PatchModuleBuilder;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Builders for test objects. */
public final class Fixtures {
    public static final String KERNEL = PatchModuleBuilder.KERNEL;
    public static final String OTHER_KERNEL = "6.1.0-57-amd64";

    private Fixtures() {}

    public static String sha(char c) {
        return String.valueOf(c).repeat(64);
    }

    public static Node node(String name, String kernel, Map<String, String> labels) {
        Map<String, String> all = new java.util.HashMap<>(labels);
        all.putIfAbsent("kubernetes.io/os", "linux");
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(all).endMetadata()
                .withNewStatus().withNewNodeInfo().withKernelVersion(kernel).withOperatingSystem(all.get("kubernetes.io/os")).endNodeInfo()
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
    }

    public static Node node(String name) {
        return node(name, KERNEL, Map.of());
    }

    /** A replaceable module for {@link #KERNEL} from an https URL, its digest {@code sha} 64 times. */
    public static PatchModule module(String name, char sha) {
        return PatchModuleBuilder.replaceable(name).sha256(sha(sha)).build();
    }

    /** A LivePatch with fast pacing (no interval, no cooldown), one module, changed by {@code edit}. */
    public static LivePatch livePatch(String name, Consumer<LivePatchSpec> edit) {
        LivePatchSpec spec = new LivePatchSpec();
        spec.setModules(new ArrayList<>(List.of(module("lp_fix_" + name.replace('-', '_'), 'a'))));
        RolloutSpec r = new RolloutSpec();
        r.setInterval("0s");
        r.setNodeCooldown("0s");
        r.setMaxConcurrent(new IntOrString(10));
        spec.setRollout(r);
        edit.accept(spec);
        LivePatch lp = new LivePatch();
        lp.setMetadata(new ObjectMetaBuilder().withName(name).build());
        lp.setSpec(spec);
        return lp;
    }
}
