package dev.livepatch.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed CRDs under crds/ are what `kubectl apply -f crds/` installs, so they must be
 * exactly what the build generates from the Java types. After changing a type, refresh them with
 * {@code mvn -pl crds verify -Dlivepatch.updateCrds=true}.
 */
class CrdDriftTest {
    private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
    private static final boolean UPDATE = Boolean.getBoolean("livepatch.updateCrds");

    @ParameterizedTest(name = "{0} matches the generated CRD")
    @ValueSource(strings = {"livepatches.livepatch.dev", "nodelivepatches.livepatch.dev"})
    void committedCrdMatchesGenerated(String crd) throws IOException {
        Path generated = GENERATED.resolve(crd + "-v1.yml");
        Path committed = Path.of(crd + ".yaml");
        assertThat(generated).as("the CRD generator ran in process-classes").exists();
        if (UPDATE) {
            Files.copy(generated, committed, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        assertThat(Files.readString(committed))
                .as("crds/%s.yaml differs from the CRD generated from the Java types; run: mvn -pl crds verify -Dlivepatch.updateCrds=true", crd)
                .isEqualTo(Files.readString(generated));
    }

    @ParameterizedTest(name = "only generated CRDs in crds/: {0}")
    @ValueSource(strings = {"."})
    void noStrayManifestsInCrdsDirectory(String dir) throws IOException {
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json")))
                    .as("`kubectl apply -f crds/` applies every manifest there")
                    .containsExactlyInAnyOrder("livepatches.livepatch.dev.yaml", "nodelivepatches.livepatch.dev.yaml");
        }
    }
}
