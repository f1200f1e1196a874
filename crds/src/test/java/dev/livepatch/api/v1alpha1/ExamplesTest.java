package dev.livepatch.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.validation.LivePatchValidator;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ExamplesTest {
    private static final Path EXAMPLES = Path.of("examples");

    static Stream<Path> examples() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        return files.stream();
    }

    @ParameterizedTest(name = "{0} parses and is valid")
    @MethodSource("examples")
    void exampleParsesAndValidates(Path file) throws IOException {
        LivePatch lp = Serialization.unmarshal(Files.readString(file), LivePatch.class);

        assertThat(lp.getApiVersion()).isEqualTo("livepatch.dev/v1alpha1");
        assertThat(lp.getKind()).isEqualTo("LivePatch");
        assertThat(lp.getMetadata().getName()).isNotBlank();
        assertThat(lp.getSpec().getModules()).isNotEmpty();
        assertThat(LivePatchValidator.validate(lp.getSpec())).isEmpty();
    }

    @Test
    void examplesCoverPinnedPlusReplaceableAtomicReplaceAndCanary() throws IOException {
        List<LivePatchSpec> specs = examples().map(ExamplesTest::read).map(LivePatch::getSpec).toList();

        assertThat(specs).anySatisfy(s -> {
            assertThat(s.getModules()).anyMatch(PatchModule::isPinned);
            assertThat(s.getModules()).anyMatch(m -> !m.isPinned());
        });
        assertThat(specs).anySatisfy(s -> assertThat(s.getModules()).anyMatch(PatchModule::isAtomicReplace));
        assertThat(specs).anySatisfy(s -> assertThat(s.getRollout().getCanaryNodes()).isPositive());
        assertThat(specs).anySatisfy(s -> {
            assertThat(s.isPreflight()).isTrue();
            assertThat(s.getHealthGates().getBake()).isEqualTo("10m");
        });
    }

    @Test
    void examplesCoverWindowsStepsAndAnEmergency() throws IOException {
        List<RolloutSpec> rollouts = examples().map(ExamplesTest::read).map(lp -> lp.getSpec().getRollout()).toList();

        assertThat(rollouts).anySatisfy(r -> assertThat(r.getWindows()).hasSizeGreaterThanOrEqualTo(2)
                .anyMatch(w -> w.getTimeZone().contains("/")));
        assertThat(rollouts).anySatisfy(r -> assertThat(r.getSteps()).extracting(st -> st.getNodes().toString()).hasSize(3));
        assertThat(rollouts).anySatisfy(r -> {
            assertThat(r.isEmergency()).isTrue();
            assertThat(r.getWindows()).isNotEmpty();
        });
    }

    @Test
    void unsetRolloutFieldsTakeTheDocumentedDefaults() throws IOException {
        LivePatch lp = read(EXAMPLES.resolve("canary-rollout.yaml"));
        RolloutSpec r = lp.getSpec().getRollout();

        assertThat(r.getStallTimeout()).isEqualTo("120s");
        assertThat(r.getOnStall()).isEqualTo(OnStall.Revert);
        assertThat(r.getNodeCooldown()).isEqualTo("60s");
        assertThat(r.isPaused()).isFalse();
        assertThat(lp.getSpec().getRemovalPolicy()).isEqualTo(RemovalPolicy.Unload);
        assertThat(lp.getSpec().getModules().get(0).isAtomicReplace()).isFalse();
    }

    private static LivePatch read(Path file) {
        try {
            return Serialization.unmarshal(Files.readString(file), LivePatch.class);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
