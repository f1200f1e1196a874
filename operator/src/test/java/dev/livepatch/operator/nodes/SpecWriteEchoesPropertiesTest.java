package dev.livepatch.operator.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.operator.testing.Fixtures;
import dev.livepatch.operator.testing.ManualExecutor;
import dev.livepatch.operator.write.NodeSpec;
import dev.livepatch.operator.write.NodeSpecBatches;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The NodeLivePatch events {@link SpecWriteEchoes} drops: an update it drops while a spec write is
 * in flight leaves the node reading exactly as before to every reconcile (through
 * {@link NodeSpecBatches#asWritten}: spec, generation, status, deletion, labels), so no reconcile
 * was owed to it; the daemon's reports and anyone else's changes always pass.
 */
class SpecWriteEchoesPropertiesTest {
    private static final String NODE = "node-a";

    @Property(tries = 500)
    void aDroppedUpdateChangesNothingAReconcileReads(@ForAll long seed) {
        Random r = new Random(seed);
        NodeLivePatch old = nlp(r.nextInt(3), r.nextInt(3), r.nextBoolean() ? null : (long) r.nextInt(3), "1");
        NodeSpecBatches batches = new NodeSpecBatches(s -> { throw new AssertionError("never runs"); }, new ManualExecutor());
        List<NodeModule> sending = modules(r.nextInt(3));
        if (r.nextInt(4) > 0) {
            batches.submit(List.of(new NodeSpec(Fixtures.node(NODE), old, sending, List.of())), (b, a) -> { }, ignoring());
        }
        NodeLivePatch updated = mutate(old, sending, r);
        boolean dropped = !new SpecWriteEchoes(batches::writing).accept(updated, old);
        if (dropped) {
            assertThat(reading(batches.asWritten(NODE, Optional.of(updated))))
                    .as("what a reconcile reads after the dropped update %s over %s", Serialization.asJson(updated), Serialization.asJson(old))
                    .isEqualTo(reading(batches.asWritten(NODE, Optional.of(old))));
        }
    }

    @Example
    void theEchoOfAWriteInFlightIsDroppedAndTheDaemonsReportPasses() {
        NodeLivePatch old = nlp(0, 0, 1L, "1");
        NodeSpecBatches batches = new NodeSpecBatches(s -> { throw new AssertionError("never runs"); }, new ManualExecutor());
        batches.submit(List.of(new NodeSpec(Fixtures.node(NODE), old, modules(1), List.of())), (b, a) -> { }, ignoring());
        SpecWriteEchoes echoes = new SpecWriteEchoes(batches::writing);

        NodeLivePatch echo = copy(old, "2");
        echo.getMetadata().setGeneration(2L);
        echo.setSpec(new NodeLivePatchSpec(modules(1)));
        assertThat(echoes.accept(echo, old)).as("the write's own result, before its response").isFalse();

        NodeLivePatch report = copy(echo, "3");
        report.getStatus().setObservedGeneration(2L);
        assertThat(echoes.accept(report, echo)).as("the daemon's report").isTrue();

        NodeLivePatch other = copy(old, "2");
        other.setSpec(new NodeLivePatchSpec(modules(2)));
        assertThat(echoes.accept(other, old)).as("a spec no write in flight sends").isTrue();
    }

    /** Some change, or several, of what a watch can bring: the spec in flight or another, status, labels, deletion. */
    private static NodeLivePatch mutate(NodeLivePatch old, List<NodeModule> sending, Random r) {
        NodeLivePatch u = copy(old, "2");
        if (r.nextBoolean()) {
            u.setSpec(new NodeLivePatchSpec(new ArrayList<>(r.nextInt(4) > 0 ? sending : modules(r.nextInt(3)))));
            u.getMetadata().setGeneration(old.getMetadata().getGeneration() + 1);
        }
        if (r.nextInt(3) == 0) {
            u.getStatus().setObservedGeneration((long) r.nextInt(4));
        }
        if (r.nextInt(5) == 0) {
            u.getMetadata().setLabels(Map.of("changed", "yes"));
        }
        if (r.nextInt(5) == 0) {
            u.getMetadata().setDeletionTimestamp("2026-12-02T00:00:00Z");
        }
        if (r.nextInt(6) == 0) {
            u.getSpec().setRetained(new ArrayList<>(List.of("lp_old")));
        }
        return u;
    }

    private static String reading(Optional<NodeLivePatch> nlp) {
        NodeLivePatch n = nlp.orElseThrow();
        return Serialization.asJson(List.of(n.getSpec(), n.getMetadata().getGeneration(), Optional.ofNullable(n.getStatus()).map(Serialization::asJson).orElse(""),
                String.valueOf(n.getMetadata().getDeletionTimestamp()), String.valueOf(n.getMetadata().getLabels())));
    }

    private static NodeLivePatch nlp(int modules, long generation, Long observed, String resourceVersion) {
        NodeLivePatch n = new NodeLivePatch();
        n.setMetadata(new ObjectMetaBuilder().withName(NODE).withGeneration(generation + 1).withResourceVersion(resourceVersion).build());
        n.setSpec(new NodeLivePatchSpec(modules(modules)));
        NodeLivePatchStatus s = new NodeLivePatchStatus();
        s.setObservedGeneration(observed);
        n.setStatus(s);
        return n;
    }

    private static NodeLivePatch copy(NodeLivePatch n, String resourceVersion) {
        NodeLivePatch c = Serialization.clone(n);
        c.getMetadata().setResourceVersion(resourceVersion);
        return c;
    }

    private static List<NodeModule> modules(int count) {
        List<NodeModule> m = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            NodeModule e = new NodeModule();
            e.setName("lp_fix_" + i);
            e.setLivePatch("fix");
            e.setLivePatchGeneration(1L);
            m.add(e);
        }
        return m;
    }

    private static NodeSpecBatches.Completion ignoring() {
        return new NodeSpecBatches.Completion() {
            @Override
            public void stored(NodeSpec spec, NodeLivePatch stored) {}

            @Override
            public void lost(NodeSpec spec) {}

            @Override
            public void failed(NodeSpec spec, RuntimeException e) {}

            @Override
            public void settled(NodeSpec deferred) {}
        };
    }
}
