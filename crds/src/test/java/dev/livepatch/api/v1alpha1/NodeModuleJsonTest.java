package dev.livepatch.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.fixture.PatchModuleBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** A node entry survives the trip to the API server and back with every field the operator writes. */
class NodeModuleJsonTest {
    @Test
    void preflightAndHealthGatesRoundTrip() {
        LivePatchSpec spec = new LivePatchSpec();
        spec.setPreflight(true);
        spec.setHealthGates(new HealthGates("10m", OnUnhealthy.Pause));
        NodeModule m = NodeModule.of("lp1", 4L, PatchModuleBuilder.replaceable("lp_fix").build(), spec);

        String json = Serialization.asJson(m);

        assertThat(json).contains("\"preflight\":true").contains("\"healthGates\":{\"bake\":\"10m\",\"onUnhealthy\":\"Pause\"}");
        assertThat(Serialization.unmarshal(json, NodeModule.class)).isEqualTo(m);
    }

    @Test
    void withoutPreflightNeitherFieldIsWritten() {
        NodeModule m = NodeModule.of("lp1", 4L, PatchModuleBuilder.replaceable("lp_fix").build(), new LivePatchSpec());

        assertThat(Serialization.asJson(m)).doesNotContain("preflight").doesNotContain("healthGates");
    }
}
