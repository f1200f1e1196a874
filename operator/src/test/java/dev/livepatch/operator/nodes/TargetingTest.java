package dev.livepatch.operator.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetingTest {
    static LabelSelector expr(String key, String op, String... values) {
        return new LabelSelectorBuilder().addNewMatchExpression().withKey(key).withOperator(op).withValues(values).endMatchExpression().build();
    }

    @Test
    void matchExpressionsFollowKubernetesSemantics() {
        Map<String, String> labels = Map.of("zone", "a", "gpu", "");
        assertThat(Targeting.matches(expr("zone", "In", "a", "b"), labels)).isTrue();
        assertThat(Targeting.matches(expr("zone", "In", "b"), labels)).isFalse();
        assertThat(Targeting.matches(expr("zone", "NotIn", "b"), labels)).isTrue();
        assertThat(Targeting.matches(expr("rack", "NotIn", "b"), labels)).as("NotIn holds for a missing key").isTrue();
        assertThat(Targeting.matches(expr("gpu", "Exists"), labels)).isTrue();
        assertThat(Targeting.matches(expr("gpu", "DoesNotExist"), labels)).isFalse();
        assertThat(Targeting.matches(new LabelSelectorBuilder().withMatchLabels(Map.of("zone", "a")).build(), labels)).isTrue();
        assertThat(Targeting.matches(new LabelSelectorBuilder().withMatchLabels(Map.of("zone", "b")).build(), labels)).isFalse();
        assertThat(Targeting.matches(null, labels)).isTrue();
        assertThat(Targeting.matches(expr("zone", "Bogus"), labels)).as("unknown operators select nothing").isFalse();
    }

    @Test
    void linuxByLabelOrByNodeInfo() {
        assertThat(Targeting.isLinux(Fixtures.node("a"))).isTrue();
        assertThat(Targeting.isLinux(Fixtures.node("w", Fixtures.KERNEL, Map.of("kubernetes.io/os", "windows")))).isFalse();
        Node unlabelled = Fixtures.node("u");
        unlabelled.getMetadata().getLabels().remove("kubernetes.io/os");
        assertThat(Targeting.isLinux(unlabelled)).isTrue();
    }

    @Test
    void modulesForTheNodesKernelOnly() {
        var spec = Fixtures.livePatch("x", s -> s.getModules().add(new dev.livepatch.api.v1alpha1.PatchModule("lp_other",
                Fixtures.OTHER_KERNEL, true, false, dev.livepatch.api.v1alpha1.ModuleSource.hostPath("/x.ko", Fixtures.sha('c'))))).getSpec();
        assertThat(Targeting.modulesFor(spec, Fixtures.node("a"))).extracting(m -> m.getName()).containsExactly("lp_fix_x");
        assertThat(Targeting.modulesFor(spec, Fixtures.node("b", "5.10.0", Map.of()))).isEmpty();
    }
}
