package dev.livepatch.operator.livepatch;

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
import dev.livepatch.operator.config.OperatorConfig;
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
        operator = LivePatchOperator.start(client, OperatorConfig.forMockServer());
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
        assertThat(events()).extracting(Event::getReason).contains(Reasons.ADMITTED, Reasons.COMPLETE);
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
