package dev.livepatch.operator.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Retained names go only once the daemon has observed the spec that carries them and no longer reports the patch. */
class NodeLivePatchJanitorTest {

    @Test
    void dropsARetainedNameTheDaemonNoLongerReportsOnceItObservedTheSpec() {
        NodeLivePatch nlp = retaining(List.of("lp_kept", "lp_gone"), 4L, 4L, "lp_kept");

        assertThat(NodeLivePatchJanitor.stillRetained(nlp)).containsExactly("lp_kept");
    }

    @Test
    void keepsEveryRetainedNameWhileTheDaemonHasNotObservedTheSpecThatCarriesThem() {
        NodeLivePatch nlp = retaining(List.of("lp_kept", "lp_loading"), 5L, 4L, "lp_kept");

        assertThat(NodeLivePatchJanitor.stillRetained(nlp)).containsExactly("lp_kept", "lp_loading");
    }

    private static NodeLivePatch retaining(List<String> retained, long generation, long observed, String... reported) {
        NodeLivePatch nlp = new NodeLivePatch();
        nlp.setMetadata(new ObjectMetaBuilder().withName("n1").withGeneration(generation).build());
        NodeLivePatchSpec spec = new NodeLivePatchSpec(new ArrayList<>());
        spec.setRetained(new ArrayList<>(retained));
        nlp.setSpec(spec);
        NodeLivePatchStatus status = new NodeLivePatchStatus();
        status.setObservedGeneration(observed);
        for (String name : reported) {
            KernelPatch p = new KernelPatch();
            p.setName(name);
            p.setEnabled(true);
            p.setManaged(false);
            status.getPatches().add(p);
        }
        nlp.setStatus(status);
        return nlp;
    }
}
