package dev.livepatch.operator.controller;

import static dev.livepatch.operator.testing.Fixtures.KERNEL;
import static dev.livepatch.operator.testing.Fixtures.OTHER_KERNEL;
import static dev.livepatch.operator.testing.Fixtures.livePatch;
import static dev.livepatch.operator.testing.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.operator.LivePatchOperator;
import dev.livepatch.operator.testing.MockServer;
import dev.livepatch.operator.rollout.Reasons;
import dev.livepatch.operator.testing.FakeDaemon;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operator against the Fabric8 mock server (CRUD mode), with a fake daemon flipping node status. */
@EnableKubernetesMockClient(crud = true)
class RolloutControllerTest {
    KubernetesClient client;
    KubernetesMockServer server;
    LivePatchOperator operator;
    FakeDaemon daemon;

    @BeforeEach
    void start() {
        daemon = new FakeDaemon(client);
        operator = MockServer.start(client);
    }

    @AfterEach
    void stop() {
        operator.stop();
    }

    @Test
    void rollsOutToTargetedLinuxNodesOnlyAndCompletes() {
        client.resource(node("n1")).create();
        client.resource(node("n2")).create();
        client.resource(node("n3", OTHER_KERNEL, Map.of())).create();
        client.resource(node("win", KERNEL, Map.of("kubernetes.io/os", "windows"))).create();
        client.resource(livePatch("fix", s -> { })).create();

        LivePatchStatus s = rollOut("fix", st -> st.getPhase() == LivePatchPhase.Complete);
        assertThat(s.getTargetNodes()).isEqualTo(2);
        assertThat(s.getUpdatedNodes()).isEqualTo(2);
        assertThat(s.getNotApplicableNodes()).isEqualTo(1);
        assertThat(s.getSummary()).isEqualTo("2/2 updated");
        assertThat(condition(s, "Ready")).hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
        assertThat(condition(s, "Reconciling")).hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
        assertThat(nlp("n1").getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getKind()).isEqualTo("Node"));
        assertThat(entries("n1")).extracting(NodeModule::getName).containsExactly("lp_fix_fix");
        assertThat(entries("n3")).isEmpty();
        assertThat(client.resources(NodeLivePatch.class).withName("win").get()).isNull();
        await().untilAsserted(() -> assertThat(events()).extracting(Event::getReason).contains(Reasons.ADMITTED, Reasons.COMPLETE)); // recorded after the status
    }

    @Test
    void anInvalidSpecIsReportedAndAdmitsNothing() {
        client.resource(node("n1")).create();
        client.resource(livePatch("bad", s -> s.getModules().get(0).getSource().setSha256("nope"))).create();
        LivePatchStatus s = awaitStatus("bad", st -> st.getPhase() == LivePatchPhase.Invalid);
        assertThat(condition(s, "Ready").orElseThrow().getMessage()).contains("sha256");
        assertThat(condition(s, "Stalled").orElseThrow().getStatus()).isEqualTo("True");
        await().until(() -> client.resources(NodeLivePatch.class).withName("n1").get() != null);
        assertThat(entries("n1")).isEmpty();
    }

    @Test
    void admitsNoMoreThanMaxConcurrentAtOnce() {
        for (int i = 0; i < 4; i++) {
            client.resource(node("n" + i)).create();
        }
        client.resource(livePatch("fix", s -> s.getRollout().setMaxConcurrent(new io.fabric8.kubernetes.api.model.IntOrString(2)))).create();
        await().until(() -> admitted("fix") == 2);
        awaitStatus("fix", st -> Integer.valueOf(2).equals(st.getInProgressNodes()));
        assertThat(admitted("fix")).isEqualTo(2);
        assertThat(List.of(entries("n0"), entries("n1"))).allMatch(e -> !e.isEmpty());
        await().untilAsserted(() -> {
            daemon.sync();
            assertThat(status("fix").getPhase()).isEqualTo(LivePatchPhase.Complete);
        });
    }


    @Test
    void selectsNodesWithSetBasedExpressions() {
        client.resource(node("a", KERNEL, Map.of("tier", "web"))).create();
        client.resource(node("b", KERNEL, Map.of("tier", "db"))).create();
        client.resource(node("c", KERNEL, Map.of("tier", "web", "frozen", "yes"))).create();
        client.resource(livePatch("fix", s -> s.setNodeSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
                .addNewMatchExpression().withKey("tier").withOperator("NotIn").withValues("db").endMatchExpression()
                .addNewMatchExpression().withKey("frozen").withOperator("DoesNotExist").endMatchExpression().build()))).create();
        LivePatchStatus s = rollOut("fix", st -> st.getPhase() == LivePatchPhase.Complete);
        assertThat(s.getTargetNodes()).isEqualTo(1);
        assertThat(entries("a")).isNotEmpty();
        assertThat(entries("b")).isEmpty();
        assertThat(entries("c")).isEmpty();
    }

    @Test
    void canariesFirstThenAnAutomaticPauseOncePerGeneration() {
        for (int i = 0; i < 3; i++) {
            client.resource(node("n" + i)).create();
        }
        client.resource(livePatch("fix", s -> s.getRollout().setCanaryNodes(1))).create();
        LivePatchStatus paused = rollOut("fix", st -> st.getPhase() == LivePatchPhase.Paused);
        assertThat(paused.getCanary().getNodes()).containsExactly("n0");
        assertThat(paused.getCanary().getPausedGeneration()).isNotNull();
        assertThat(condition(paused, "Paused").orElseThrow().getReason()).isEqualTo(Reasons.CANARY_PAUSE);
        assertThat(client.resources(LivePatch.class).withName("fix").get().getSpec().getRollout().getPaused()).isTrue();
        assertThat(admitted("fix")).isEqualTo(1);

        client.resources(LivePatch.class).withName("fix").edit(lp -> {
            lp.getSpec().getRollout().setPaused(false);
            return lp;
        });
        LivePatchStatus done = rollOut("fix", st -> st.getPhase() == LivePatchPhase.Complete);
        assertThat(done.getUpdatedNodes()).isEqualTo(3);
        assertThat(client.resources(LivePatch.class).withName("fix").get().getSpec().getRollout().getPaused()).isFalse();
    }

    @Test
    void pausesItselfWhenFailedNodesExceedMaxFailedNodes() {
        for (int i = 0; i < 3; i++) {
            client.resource(node("n" + i)).create();
        }
        daemon.on("n0", dev.livepatch.api.v1alpha1.ModuleState.Failed);
        client.resource(livePatch("fix", s -> s.getRollout().setMaxConcurrent(new io.fabric8.kubernetes.api.model.IntOrString(1)))).create();
        LivePatchStatus s = rollOut("fix", st -> st.getPhase() == LivePatchPhase.Stalled);
        assertThat(condition(s, "Stalled").orElseThrow().getStatus()).isEqualTo("True");
        assertThat(condition(s, "Stalled").orElseThrow().getReason()).isEqualTo(Reasons.TOO_MANY_FAILURES);
        assertThat(s.getFailures()).singleElement().satisfies(f -> {
            assertThat(f.getNode()).isEqualTo("n0");
            assertThat(f.getReason()).isEqualTo("LoadFailed");
        });
        assertThat(admitted("fix")).isEqualTo(1);
        await().untilAsserted(() -> assertThat(events()).extracting(Event::getReason).contains(Reasons.NODE_FAILED, Reasons.TOO_MANY_FAILURES)); // recorded after the status
    }

    @Test
    void slowsDownWhenNodesReportRcuStallWarnings() {
        for (int i = 0; i < 4; i++) {
            client.resource(node("n" + i)).create();
        }
        daemon.transitions(3, 47);
        client.resource(livePatch("fix", s -> s.getRollout().setMaxConcurrent(new io.fabric8.kubernetes.api.model.IntOrString(2)))).create();
        LivePatchStatus s = rollOut("fix", st -> st.getPacing() != null && st.getPacing().getReason() != null);
        assertThat(s.getPacing().getConcurrency()).isEqualTo(1);
        assertThat(s.getPacing().getReason()).contains("RCU");
        // 30s per trouble, doubling: both admitted nodes may report before the first slowed reconcile
        assertThat(s.getPacing().getInterval()).isIn("30s", "1m");
        await().untilAsserted(() -> assertThat(events()).extracting(Event::getReason).contains(Reasons.SLOWED_DOWN)); // recorded after the status
    }

    @Test
    void theOldestLivePatchKeepsANodeAndTheYoungerReportsConflict() throws Exception {
        client.resource(node("n1")).create();
        client.resource(livePatch("first", s -> s.getModules().set(0, dev.livepatch.operator.testing.Fixtures.module("lp_shared", 'a')))).create();
        rollOut("first", st -> st.getPhase() == LivePatchPhase.Complete);
        Thread.sleep(1100); // creationTimestamp has second resolution
        client.resource(livePatch("second", s -> s.getModules().set(0, dev.livepatch.operator.testing.Fixtures.module("lp_shared", 'b')))).create();
        LivePatchStatus s = rollOut("second", st -> Integer.valueOf(1).equals(st.getConflictingNodes()));
        assertThat(s.getFailures()).singleElement().satisfies(f -> {
            assertThat(f.getReason()).isEqualTo(Reasons.CONFLICT);
            assertThat(f.getMessage()).contains("lp_shared").contains("first");
        });
        assertThat(entries("n1")).extracting(NodeModule::getLivePatch).containsExactly("first");
    }

    @Test
    void aNewModuleVersionRollsOutAsANewGeneration() {
        client.resource(node("n1")).create();
        client.resource(node("n2")).create();
        client.resource(livePatch("fix", s -> s.getRollout().setMaxConcurrent(new io.fabric8.kubernetes.api.model.IntOrString(1)))).create();
        rollOut("fix", st -> st.getPhase() == LivePatchPhase.Complete);
        client.resources(LivePatch.class).withName("fix").edit(lp -> {
            lp.getSpec().getModules().get(0).getSource().setSha256(dev.livepatch.operator.testing.Fixtures.sha('b'));
            return lp;
        });
        awaitStatus("fix", st -> st.getObservedGeneration() == 2 && st.getUpdatedNodes() == 0);
        LivePatchStatus s = rollOut("fix", st -> st.getObservedGeneration() == 2 && st.getPhase() == LivePatchPhase.Complete);
        assertThat(s.getUpdatedNodes()).isEqualTo(2);
        assertThat(entries("n1")).singleElement().satisfies(m -> {
            assertThat(m.getSource().getSha256()).isEqualTo(dev.livepatch.operator.testing.Fixtures.sha('b'));
            assertThat(m.getLivePatchGeneration()).isEqualTo(2L);
        });
    }

    @Test
    void deletionWithUnloadRollsTheModulesOffThenReleasesTheFinalizer() {
        client.resource(node("n1")).create();
        client.resource(node("n2")).create();
        client.resource(livePatch("fix", s -> { })).create();
        rollOut("fix", st -> st.getPhase() == LivePatchPhase.Complete);
        client.resources(LivePatch.class).withName("fix").delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            daemon.sync();
            assertThat(client.resources(LivePatch.class).withName("fix").get()).isNull();
        });
        assertThat(entries("n1")).isEmpty();
        assertThat(nlp("n1").getStatus().getPatches()).isEmpty();
        assertThat(nlp("n1").getSpec().getRetained()).isEmpty();
    }

    @Test
    void deletionWithRetainReleasesTheNodesAndLeavesThePatchesLoaded() {
        client.resource(node("n1")).create();
        client.resource(livePatch("fix", s -> s.setRemovalPolicy(dev.livepatch.api.v1alpha1.RemovalPolicy.Retain))).create();
        rollOut("fix", st -> st.getPhase() == LivePatchPhase.Complete);
        client.resources(LivePatch.class).withName("fix").delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.resources(LivePatch.class).withName("fix").get() == null);
        assertThat(entries("n1")).isEmpty();
        assertThat(nlp("n1").getSpec().getRetained()).containsExactly("lp_fix_fix");
    }

    @Test
    void aRestartedOperatorNeitherRedoesNorSkipsANode() {
        for (int i = 0; i < 3; i++) {
            client.resource(node("n" + i)).create();
        }
        client.resource(livePatch("fix", s -> s.getRollout().setInterval("1h"))).create();
        awaitStatus("fix", st -> Integer.valueOf(1).equals(st.getInProgressNodes()));
        String admittedAt = status("fix").getPacing().getLastAdmissionTime();
        operator.stop();
        operator = MockServer.start(client);
        daemon.sync();
        awaitStatus("fix", st -> Integer.valueOf(1).equals(st.getUpdatedNodes()));
        assertThat(admitted("fix")).isEqualTo(1);
        assertThat(status("fix").getPacing().getLastAdmissionTime()).isEqualTo(admittedAt);
        assertThat(entries("n0")).isNotEmpty();
    }

    @Test
    void theNodeLivePatchOfADeletedNodeIsDeleted() {
        client.resource(node("n1")).create();
        await().until(() -> nlp("n1") != null);
        client.nodes().withName("n1").delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> nlp("n1") == null);
    }

    // --- helpers

    /** Waits for the status while the fake daemon acts on every spec. */
    LivePatchStatus rollOut(String name, java.util.function.Predicate<LivePatchStatus> p) {
        return awaitStatus(name, p, true);
    }

    /** Waits for the status; the daemon does nothing meanwhile. */
    LivePatchStatus awaitStatus(String name, java.util.function.Predicate<LivePatchStatus> p) {
        return awaitStatus(name, p, false);
    }

    LivePatchStatus awaitStatus(String name, java.util.function.Predicate<LivePatchStatus> p, boolean daemonRuns) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            if (daemonRuns) {
                daemon.sync();
            }
            LivePatchStatus s = status(name);
            assertThat(s).isNotNull();
            assertThat(p.test(s)).as("status %s", s == null ? null : io.fabric8.kubernetes.client.utils.Serialization.asJson(s)).isTrue();
        });
        return status(name);
    }

    LivePatchStatus status(String name) {
        LivePatch lp = client.resources(LivePatch.class).withName(name).get();
        return lp == null ? null : lp.getStatus();
    }

    NodeLivePatch nlp(String node) {
        return client.resources(NodeLivePatch.class).withName(node).get();
    }

    List<NodeModule> entries(String node) {
        NodeLivePatch n = nlp(node);
        return n == null || n.getSpec() == null ? List.of() : n.getSpec().getModules();
    }

    long admitted(String lp) {
        return client.resources(NodeLivePatch.class).list().getItems().stream()
                .filter(n -> n.getSpec().getModules().stream().anyMatch(m -> lp.equals(m.getLivePatch()))).count();
    }

    List<Event> events() {
        return client.v1().events().inNamespace("default").list().getItems();
    }

    static Optional<Condition> condition(LivePatchStatus s, String type) {
        return s.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }
}
