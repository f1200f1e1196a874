package dev.livepatch.e2e.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.api.v1alpha1.Transition;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.daemon.agent.HealthServer;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.metrics.MetricRegistry;
import dev.livepatch.daemon.metrics.ProcessMeters;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.operator.LivePatchOperator;
import dev.livepatch.operator.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Both processes' /metrics as Prometheus scrapes them: the operator started in-process on the real
 * control plane, reconciling a LivePatch over two Node objects whose NodeLivePatch status this test
 * writes as their daemons would (transitions finished, one stalled); the daemon's registry and
 * HealthServer as its Main builds them, fed through DaemonMetrics. Each scrape is parsed and
 * checked by Prometheus' linter and by the conventions it does not check ({@link Conventions}),
 * and the chart's Grafana dashboard queries only what the two expose.
 */
@ClusterTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsExpositionClusterTest {
  private static final String KERNEL = "6.1.0-50-amd64";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Map<String, String> PATCHING_COMPLETED = Map.of("direction", "Patching", "outcome", "Completed");
  private static final Map<String, String> PATCHING_AFTER_STALL = Map.of("direction", "Patching", "outcome", "CompletedAfterStall");

  private KubernetesClient client;
  private LivePatchOperator operator;
  private HealthServer daemonHttp;
  private String livePatch;
  private final List<String> nodes = new ArrayList<>();
  private Exposition operatorScrape;
  private Exposition daemonScrape;

  @BeforeAll
  void scrapeBoth(ControlPlane cp, KubernetesClient admin) {
    client = admin;
    cp.installProjectCrds();
    String group = ControlPlane.uniqueName("metrics");
    nodes.add(group + "-a");
    nodes.add(group + "-b");
    nodes.forEach(n -> createNode(n, group));
    operator = LivePatchOperator.start(client, OperatorConfig.fromEnv(Map.of(OperatorConfig.Setting.LEADER_ELECTION.env, "false",
        OperatorConfig.Setting.HTTP_PORT.env, "0", OperatorConfig.Setting.RESYNC.env, "5s")));
    livePatch = createLivePatch(group);
    URI metrics = URI.create("http://127.0.0.1:" + operator.httpPort() + "/metrics");
    await().atMost(WAIT).until(() -> nodes.stream().allMatch(n -> client.resources(NodeLivePatch.class).withName(n).get() != null));
    // Admitted before the reports below: a node that reports a transition first looks busy and is never admitted.
    await().atMost(WAIT).until(() -> count(metrics, "livepatch_admissions_total", Map.of("livepatch", livePatch)) >= 1);

    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    TransitionRecord beforeStart = record(TransitionOutcome.Completed, 0.3, now.minus(Duration.ofHours(1)));
    TransitionRecord first = record(TransitionOutcome.Completed, 0.4, now);
    report(nodes.get(0), List.of(beforeStart, first), null, "first");
    Transition stalled = new Transition();
    stalled.setPatch("lp_fix");
    stalled.setDirection(TransitionDirection.Patching);
    stalled.setStartedAt(now.toString());
    report(nodes.get(1), List.of(), stalled, "stalled");
    await().atMost(WAIT).until(() -> count(metrics, "livepatch_reported_stalls_total", Map.of("direction", "Patching")) == 1
        && count(metrics, "livepatch_reported_transition_seconds_count", PATCHING_COMPLETED) == 1);

    // The same reports again, and one more transition: every reconcile reads all of them.
    TransitionRecord second = record(TransitionOutcome.CompletedAfterStall, 47, now.plusSeconds(1));
    report(nodes.get(1), List.of(), stalled, "still stalled");
    report(nodes.get(0), List.of(beforeStart, first, second), null, "second");
    await().atMost(WAIT).until(() -> count(metrics, "livepatch_reported_transition_seconds_count", PATCHING_AFTER_STALL) == 1);
    double reconciles = reconciles(Exposition.scrape(metrics));
    report(nodes.get(1), List.of(), stalled, "stalled, a third look");
    await().atMost(WAIT).until(() -> reconciles(Exposition.scrape(metrics)) > reconciles);
    client.resources(LivePatch.class).withName(livePatch).edit(lp -> {
      lp.getSpec().getRollout().setPaused(true);
      return lp;
    });
    await().atMost(WAIT).until(() -> count(metrics, "livepatch_pauses_total", Map.of("livepatch", livePatch, "reason", "Paused")) == 1);
    // Micrometer registers the GC pause timer on the first collection it is told of; the dashboard queries it.
    System.gc();
    await().atMost(WAIT).until(() -> Exposition.scrape(metrics).sampleNames().contains("jvm_gc_pause_seconds_sum"));
    operatorScrape = Exposition.scrape(metrics);

    MetricRegistry registry = ProcessMeters.registry();
    DaemonMetrics daemon = new DaemonMetrics(registry);
    daemon.inFlight(0);
    daemon.transition(TransitionDirection.Patching, TransitionOutcome.Completed, Duration.ofMillis(400), 0);
    daemon.inFlight(3);
    daemon.stalled();
    daemon.transition(TransitionDirection.Patching, TransitionOutcome.CompletedAfterStall, Duration.ofSeconds(47), 2);
    daemon.patchesLoaded(2, 1);
    try {
      daemonHttp = new HealthServer(0, () -> true, () -> true, registry);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    daemonScrape = Exposition.scrape(URI.create("http://127.0.0.1:" + daemonHttp.port() + "/metrics"));
  }

  @AfterAll
  void stop() {
    if (operator != null) {
      operator.stop();
    }
    if (daemonHttp != null) {
      daemonHttp.close();
    }
    if (livePatch != null) {
      client.resources(LivePatch.class).withName(livePatch).delete();
    }
    nodes.forEach(n -> client.nodes().withName(n).delete());
  }

  @Test
  void prometheusLinterFindsNoProblemInEither() {
    assertThat(Promlint.problems(operatorScrape.text())).as("promlint on the operator's /metrics").isEmpty();
    assertThat(Promlint.problems(daemonScrape.text())).as("promlint on the daemon's /metrics").isEmpty();
  }

  @Test
  void bothKeepTheConventionsTheLinterDoesNotCheck() {
    assertThat(Conventions.problems(operatorScrape)).as("the operator's /metrics").isEmpty();
    assertThat(Conventions.problems(daemonScrape)).as("the daemon's /metrics").isEmpty();
  }

  @Test
  void theOperatorExposesJosdkJvmProcessAndItsOwnMetersWithTheirTypes() {
    assertThat(type(operatorScrape, "livepatch_reconcile_seconds")).isEqualTo("histogram");
    assertThat(type(operatorScrape, "livepatch_reported_transition_seconds")).isEqualTo("histogram");
    assertThat(type(operatorScrape, "livepatch_reported_stalls_total")).isEqualTo("counter");
    assertThat(type(operatorScrape, "livepatch_nodes")).isEqualTo("gauge");
    assertThat(type(operatorScrape, "jvm_memory_used_bytes")).isEqualTo("gauge");
    assertThat(type(operatorScrape, "process_cpu_usage")).isEqualTo("gauge");
    assertThat(type(operatorScrape, "process_cpu_seconds_total")).isEqualTo("counter");
    // JOSDK's meters for its one controller (LivePatch); Nodes and NodeLivePatches are looked after on its
    // informers by the housekeeping, whose runs have meters of their own.
    assertThat(operatorScrape.family("operator_sdk_reconciliations_started_total").orElseThrow().samples())
        .extracting(s -> s.labels().get("kind")).contains("LivePatch");
    assertThat(operatorScrape.family("operator_sdk_events_received_total").orElseThrow().samples())
        .extracting(s -> s.labels().get("kind")).contains("LivePatch");
    assertThat(type(operatorScrape, "livepatch_housekeeping_runs_total")).isEqualTo("counter");
    assertThat(operatorScrape.value("livepatch_housekeeping_runs_total", Map.of("outcome", "done")))
        .as("a run for each of the two nodes at least").isGreaterThanOrEqualTo(2);
    assertThat(type(operatorScrape, "livepatch_housekeeping_retrying_nodes")).isEqualTo("gauge");
    assertThat(type(operatorScrape, "livepatch_spec_writes_in_flight")).isEqualTo("gauge");
    assertThat(operatorScrape.value("livepatch_nodes", Map.of("livepatch", livePatch, "state", "pending"))
        + operatorScrape.value("livepatch_nodes", Map.of("livepatch", livePatch, "state", "in_progress"))
        + operatorScrape.value("livepatch_nodes", Map.of("livepatch", livePatch, "state", "updated"))
        + operatorScrape.value("livepatch_nodes", Map.of("livepatch", livePatch, "state", "stalled"))).isEqualTo(2);
  }

  @Test
  void eachReportedTransitionAndStallIsCountedOnceAndNoSeriesNamesANode() {
    assertThat(operatorScrape.value("livepatch_reported_transition_seconds_count", PATCHING_COMPLETED)).as("the one after start").isEqualTo(1);
    assertThat(operatorScrape.value("livepatch_reported_transition_seconds_count", PATCHING_AFTER_STALL)).isEqualTo(1);
    assertThat(operatorScrape.value("livepatch_reported_transition_seconds_sum", PATCHING_AFTER_STALL)).isEqualTo(47);
    assertThat(operatorScrape.value("livepatch_reported_transition_seconds_bucket", Map.of("outcome", "CompletedAfterStall", "le", "30.0")))
        .isZero();
    assertThat(operatorScrape.value("livepatch_reported_transition_seconds_bucket", Map.of("outcome", "CompletedAfterStall", "le", "60.0")))
        .isEqualTo(1);
    assertThat(operatorScrape.value("livepatch_reported_stalls_total", Map.of("direction", "Patching"))).isEqualTo(1);
    operatorScrape.families().values().forEach(f -> f.samples().forEach(s -> {
      assertThat(s.labels()).as(s.name()).doesNotContainKeys("node", "nodename", "instance");
      assertThat(s.labels().values()).as(s.name()).doesNotContainAnyElementsOf(nodes);
    }));
  }

  @Test
  void theDaemonExposesTransitionsByOutcomeAsAHistogramAndTheLastTransitionsBlockingTasks() {
    assertThat(type(daemonScrape, "livepatch_transition_seconds")).isEqualTo("histogram");
    assertThat(daemonScrape.value("livepatch_transition_seconds_count", PATCHING_AFTER_STALL)).isEqualTo(1);
    assertThat(daemonScrape.value("livepatch_transition_seconds_bucket", Map.of("outcome", "Completed", "le", "0.5"))).isEqualTo(1);
    assertThat(type(daemonScrape, "livepatch_transition_blocking_tasks")).isEqualTo("gauge");
    assertThat(daemonScrape.value("livepatch_transition_blocking_tasks", Map.of())).isEqualTo(3);
    assertThat(daemonScrape.value("livepatch_transition_stalls_total", Map.of())).isEqualTo(1);
    assertThat(daemonScrape.value("livepatch_rcu_stall_warnings_total", Map.of())).isEqualTo(2);
    assertThat(daemonScrape.value("livepatch_patches_loaded", Map.of("managed", "true"))).isEqualTo(2);
    assertThat(type(daemonScrape, "jvm_memory_used_bytes")).isEqualTo("gauge");
    assertThat(type(daemonScrape, "process_files_open_files")).isEqualTo("gauge");
    assertThat(type(daemonScrape, "process_cpu_seconds_total")).isEqualTo("counter");
  }

  @Test
  void theGrafanaDashboardQueriesOnlyMetricsTheOperatorOrTheDaemonExposes() {
    Set<String> exposed = new TreeSet<>(operatorScrape.sampleNames());
    exposed.addAll(daemonScrape.sampleNames());
    Set<String> queried = GrafanaDashboard.load().queriedMetrics();
    assertThat(queried).as("metrics the dashboard queries").isNotEmpty();
    assertThat(exposed).as("sample names the two expose").containsAll(queried);
  }

  private static String type(Exposition e, String family) {
    return e.family(family).orElseThrow(() -> new AssertionError("no family " + family + " in:\n" + e.text())).type();
  }

  private static double count(URI metrics, String sample, Map<String, String> labels) {
    Exposition e = Exposition.scrape(metrics);
    return e.sampleNames().contains(sample) ? e.families().values().stream().flatMap(f -> f.samples().stream())
        .filter(s -> s.name().equals(sample) && s.labels().entrySet().containsAll(labels.entrySet()))
        .mapToDouble(Exposition.Sample::value).sum() : 0;
  }

  /** JOSDK's count of LivePatch reconciles started. */
  private static double reconciles(Exposition e) {
    return e.family("operator_sdk_reconciliations_started_total").stream().flatMap(f -> f.samples().stream())
        .filter(s -> "LivePatch".equals(s.labels().get("kind"))).mapToDouble(Exposition.Sample::value).sum();
  }

  private void createNode(String name, String group) {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
        .withLabels(Map.of("kubernetes.io/os", "linux", "metrics-test", group)).endMetadata().build()).create();
    client.nodes().withName(name).editStatus(n -> new NodeBuilder(n).editOrNewStatus().editOrNewNodeInfo()
        .withKernelVersion(KERNEL).withOperatingSystem("linux").withArchitecture("amd64").withBootID(name).withMachineID(name)
        .withSystemUUID(name).withOsImage("Debian GNU/Linux 12").withKubeletVersion("v1.34.4").withContainerRuntimeVersion("sim://1")
        .endNodeInfo().endStatus().build());
  }

  private String createLivePatch(String group) {
    LivePatchSpec spec = new LivePatchSpec();
    spec.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("metrics-test", group)).build());
    spec.setModules(new ArrayList<>(List.of(new PatchModule("lp_fix", KERNEL, false, false,
        ModuleSource.configMap("livepatch-system", "lp-fix", "fix.ko", "a".repeat(64))))));
    LivePatch lp = new LivePatch();
    lp.setMetadata(new ObjectMetaBuilder().withName(group).build());
    lp.setSpec(spec);
    client.resource(lp).create();
    return group;
  }

  private static TransitionRecord record(TransitionOutcome outcome, double seconds, Instant finishedAt) {
    TransitionRecord r = new TransitionRecord();
    r.setPatch("lp_fix");
    r.setDirection(TransitionDirection.Patching);
    r.setOutcome(outcome);
    r.setSeconds(seconds);
    r.setRcuStallWarnings(0);
    r.setFinishedAt(finishedAt.toString());
    return r;
  }

  /** Writes the node's status as its daemon would: these finished transitions, this one in flight (stalled when given). */
  private void report(String node, List<TransitionRecord> finished, Transition inFlight, String note) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    client.resources(NodeLivePatch.class).withName(node).editStatus(nlp -> {
      NodeLivePatchStatus s = new NodeLivePatchStatus();
      s.setObservedGeneration(nlp.getMetadata().getGeneration());
      s.setKernelRelease(KERNEL);
      s.setLastTransitions(new ArrayList<>(finished));
      s.setTransition(inFlight);
      boolean stalled = inFlight != null;
      s.setConditions(new ArrayList<>(List.of(new ConditionBuilder().withType("Stalled").withStatus(stalled ? "True" : "False")
          .withReason(stalled ? "TransitionStalled" : "NotStalled").withMessage(note).withLastTransitionTime(now)
          .withObservedGeneration(nlp.getMetadata().getGeneration()).build())));
      nlp.setStatus(s);
      return nlp;
    });
  }
}
