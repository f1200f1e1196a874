package dev.livepatch.daemon.agent;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.daemon.converge.ConvergerSettings;
import dev.livepatch.daemon.sim.SimKernel;
import dev.livepatch.daemon.sim.SimNode;
import dev.livepatch.daemon.time.ManualClock;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import dev.livepatch.daemon.metrics.MetricRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The controller side: the daemon watches its NodeLivePatch on a CRUD mock API server and writes its status there. */
class NodeAgentMockServerTest {
    private static final String NODE = "worker-1";

    @TempDir
    Path root;

    private KubernetesMockServer server;
    private KubernetesClient client;
    private NodeAgent agent;
    private OwnNodeLivePatch own;
    private final ScheduledExecutorService worker = Executors.newScheduledThreadPool(2);

    /** The agent's slices never sleep: simulated time moves on by itself, ten times as fast as real time. */
    private NodeAgent startAgent(SimNode node, StatusWriter writer, Duration resync) {
        worker.scheduleAtFixedRate(() -> node.sleep(Duration.ofMillis(100)), 10, 10, TimeUnit.MILLISECONDS);
        own = new OwnNodeLivePatch(client, NODE);
        NodeAgent a = new NodeAgent(NODE, own::current, node.converger(), writer::reset, worker, resync, Duration.ofMinutes(1), node.clock());
        own.start(a::trigger);
        return a.start();
    }

    @BeforeEach
    void startServer() {
        CustomResourceDefinitionContext nlp = new CustomResourceDefinitionContext.Builder().withGroup(LivePatch.GROUP)
                .withVersion(LivePatch.VERSION).withPlural("nodelivepatches").withKind("NodeLivePatch").withScope("Cluster")
                .withStatusSubresource(true).build();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(List.of(nlp)), false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        if (agent != null) agent.close();
        if (own != null) own.close();
        worker.shutdownNow();
        client.close();
        server.destroy();
    }

    private NodeLivePatch stored() { return client.resources(NodeLivePatch.class).withName(NODE).get(); }

    @Test
    void convergesItsOwnNodeLivePatchAndWritesOnlyItsStatus() {
        SimNode node = new SimNode(root, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), SimKernel.Config.debian61(),
                ConvergerSettings.defaults(), new MetricRegistry());
        NodeModule a = node.module("lp1", "lp_a", false, false);
        NodeLivePatch other = new NodeLivePatch();
        other.setMetadata(new ObjectMetaBuilder().withName("worker-2").build());
        other.setSpec(new NodeLivePatchSpec(new ArrayList<>(List.of(node.module("lp1", "lp_other", false, false)))));
        client.resource(other).create();
        NodeLivePatch mine = new NodeLivePatch();
        mine.setMetadata(new ObjectMetaBuilder().withName(NODE).build());
        mine.setSpec(new NodeLivePatchSpec(new ArrayList<>(List.of(a))));
        client.resource(mine).create();

        StatusWriter writer = new StatusWriter(client, NODE);
        node.publishTo(writer);
        agent = startAgent(node, writer, Duration.ofMillis(200));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            NodeLivePatchStatus s = stored().getStatus();
            assertThat(s).isNotNull();
            assertThat(s.getModules()).singleElement().satisfies(m -> assertThat(m.getState()).isEqualTo(ModuleState.Enabled));
            assertThat(s.getConditions()).anySatisfy(c -> {
                assertThat(c.getType()).isEqualTo("Ready");
                assertThat(c.getStatus()).isEqualTo("True");
            });
        });
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a");
        assertThat(stored().getSpec().getModules()).containsExactly(a); // the spec is the operator's: untouched
        assertThat(client.resources(NodeLivePatch.class).withName("worker-2").get().getStatus()).isNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> own.synced() && agent.ready());

        // idle resyncs write nothing
        String version = stored().getMetadata().getResourceVersion();
        long passes = agent.slices();
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.slices() >= passes + 3);
        assertThat(stored().getMetadata().getResourceVersion()).isEqualTo(version);

        // the operator empties the spec: the patch is retired
        client.resources(NodeLivePatch.class).withName(NODE).edit(n -> {
            n.getSpec().setModules(new ArrayList<>());
            return n;
        });
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            NodeLivePatchStatus s = stored().getStatus();
            assertThat(s.getModules()).isEmpty();
            assertThat(s.getPatches()).isEmpty();
            assertThat(s.getPendingUnloads()).extracting(p -> p.getModule()).containsExactly("lp_a");
        });
        assertThat(node.kernel().enabledPatches()).isEmpty();
    }

    @Test
    void doesNothingWithoutItsNodeLivePatch() {
        SimNode node = new SimNode(root, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), SimKernel.Config.debian61(),
                ConvergerSettings.defaults(), new MetricRegistry());
        node.kernel().loadForeign("vendor_fix", false);
        StatusWriter writer = new StatusWriter(client, NODE);
        node.publishTo(writer);
        agent = startAgent(node, writer, Duration.ofMillis(100));
        await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ofMillis(500)).until(() -> true);
        assertThat(agent.slices()).isZero();
        assertThat(node.published()).isEmpty();
        assertThat(node.kernel().enabledPatches()).containsExactly("vendor_fix");
    }
}
