package dev.livepatch.operator.observer;

import static dev.livepatch.operator.testing.Fixtures.livePatch;
import static dev.livepatch.operator.testing.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Which copy of each node's NodeLivePatch a reconcile reads. */
class FleetTest {

    @Test
    void seesANodeLivePatchCreatedAMomentAgoThatTheInformerHasNotListedYet() {
        NodeLivePatch justCreated = nlp("n1", "1");
        Fleet fleet = Fleet.of(List.of(node("n1"), node("n2")), lookup(Map.of("n1", justCreated)), Stream.empty(),
                Stream.of(livePatch("fix", s -> { })));
        assertThat(fleet.nodeLivePatch(node("n1"))).isSameAs(justCreated);
        assertThat(fleet.nodeLivePatch(node("n2"))).isNull();
    }

    @Test
    void prefersTheFreshestCopyAndKeepsTheInformersObjectsOfNodesThatAreGone() {
        NodeLivePatch fresh = nlp("n1", "7");
        NodeLivePatch orphan = nlp("gone", "3");
        Fleet fleet = Fleet.of(List.of(node("n1")), lookup(Map.of("n1", fresh)), Stream.of(nlp("n1", "6"), orphan), Stream.empty());
        assertThat(fleet.nodeLivePatch(node("n1"))).isSameAs(fresh);
        assertThat(fleet.nodeLivePatches()).containsEntry("gone", orphan).hasSize(2);
    }

    private static java.util.function.Function<String, Optional<NodeLivePatch>> lookup(Map<String, NodeLivePatch> byName) {
        return name -> Optional.ofNullable(byName.get(name));
    }

    private static NodeLivePatch nlp(String name, String resourceVersion) {
        NodeLivePatch nlp = new NodeLivePatch();
        nlp.setMetadata(new ObjectMetaBuilder().withName(name).withResourceVersion(resourceVersion).build());
        return nlp;
    }
}
