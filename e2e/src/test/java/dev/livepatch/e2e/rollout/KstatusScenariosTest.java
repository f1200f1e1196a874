package dev.livepatch.e2e.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.RemovalPolicy;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.fleet.FleetSettings;
import dev.livepatch.e2e.gitops.Kstatus;
import dev.livepatch.e2e.gitops.StatusTable;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Flux's health checks make of a LivePatch: sigs.k8s.io/cli-utils' kstatus ({@link Kstatus})
 * on every version of the object a watch on the real API server delivers through a rollout, each
 * checked against the row of docs/gitops.md's table that version is in (the Flux column and the
 * message). And what the API server does with the schema's default status that makes a new
 * LivePatch InProgress rather than Current.
 */
@ClusterTest
class KstatusScenariosTest {
  private static final Logger log = LoggerFactory.getLogger(KstatusScenariosTest.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API_VERSION = LivePatch.GROUP + "/" + LivePatch.VERSION;
  private static final Map<String, Object> DEFAULT_STATUS = Map.of("observedGeneration", 0, "conditions", List.of(), "failures", List.of());

  // The first words of the rows of docs/gitops.md's table, in the order kstatus decides.
  static final String DELETED = "deleted";
  static final String NOT_OBSERVED = "`observedGeneration` < `metadata.generation`";
  static final String PROGRESSING = "phase `Progressing`";
  static final String PAUSED = "phase `Paused`";
  static final String STALLED = "phase `Stalled`";
  static final String INVALID = "phase `Invalid`";
  static final String READY = "phase `Complete`, `Ready` True";
  static final String NOT_READY = "phase `Complete`, `Ready` False";
  static final List<String> ROWS = List.of(DELETED, NOT_OBSERVED, PROGRESSING, PAUSED, STALLED, INVALID, READY, NOT_READY);

  @Test
  void theDocsTableHasOneRowForEachStateThisTestTellsApart() {
    StatusTable table = StatusTable.fromDocs();
    ROWS.forEach(table::row);
    assertThat(table.rows()).hasSameSizeAs(ROWS);
  }

  @Test
  void theApiServerDefaultsANewLivePatchsStatusOnEveryReadSoKstatusCallsItInProgress(ControlPlane cp) throws Exception {
    try (Scenario s = Scenario.startWithoutOperator(cp, FleetSettings.defaults()); LivePatchVersions versions = new LivePatchVersions(s.client)) {
      LivePatch sent = livePatch(s, ControlPlane.uniqueName("created"));
      LivePatchStatus forged = new LivePatchStatus();
      forged.setObservedGeneration(1L);
      forged.setPhase(LivePatchPhase.Complete);
      sent.setStatus(forged);
      String name = sent.getMetadata().getName();
      try {
        GenericKubernetesResource created = s.client.genericKubernetesResources(API_VERSION, "LivePatch")
            .resource(Serialization.unmarshal(Serialization.asJson(sent), GenericKubernetesResource.class)).create();
        assertThat(statusOf(created)).as("the create response: the status sent is dropped, the default filled in").isEqualTo(DEFAULT_STATUS);
        assertThat(created.getMetadata().getManagedFields()).as("no field manager owns the defaulted status")
            .allSatisfy(f -> assertThat(Serialization.asJson(f.getFieldsV1())).doesNotContain("f:status"));

        GenericKubernetesResource got = s.client.genericKubernetesResources(API_VERSION, "LivePatch").withName(name).get();
        assertThat(statusOf(got)).as("GET").isEqualTo(DEFAULT_STATUS);
        assertThat(s.client.genericKubernetesResources(API_VERSION, "LivePatch").list().getItems())
            .filteredOn(i -> name.equals(i.getMetadata().getName())).singleElement()
            .satisfies(i -> assertThat(statusOf(i)).as("LIST").isEqualTo(DEFAULT_STATUS));
        await().atMost(Duration.ofSeconds(10)).until(() -> !versions.versions(name).isEmpty());
        assertThat(parse(versions.versions(name).get(0)).get("status")).as("WATCH, ADDED").isEqualTo(DEFAULT_STATUS);

        Kstatus kstatus = Kstatus.build();
        assertThat(kstatus.compute(Serialization.asJson(got)))
            .isEqualTo(new Kstatus.Verdict("InProgress", "LivePatch generation is 1, but latest observed generation is 0"));
        got.getAdditionalProperties().remove("status");
        assertThat(kstatus.compute(Serialization.asJson(got))).as("the same object without the default")
            .isEqualTo(new Kstatus.Verdict("Current", "Resource is current"));
      } finally {
        s.client.resources(LivePatch.class).withName(name).delete();
      }
    }
  }

  @Test
  void kubectlApplyAndDiffSeeNoChangeInTheDefaultedStatus(ControlPlane cp) throws Exception {
    try (Scenario s = Scenario.startWithoutOperator(cp, FleetSettings.defaults())) {
      LivePatch manifest = livePatch(s, ControlPlane.uniqueName("applied"));
      Path file = Files.createTempFile("livepatch", ".yaml");
      Files.writeString(file, Serialization.asYaml(manifest));
      try {
        RolloutScenariosTest.kubectl(cp, "apply", "-f", file.toString());
        assertThat(RolloutScenariosTest.kubectl(cp, "apply", "-f", file.toString())).singleElement().asString().endsWith(" unchanged");
        RolloutScenariosTest.kubectl(cp, "diff", "-f", file.toString()); // exit code 1 when anything differs
        RolloutScenariosTest.kubectl(cp, "apply", "--server-side", "-f", file.toString());
        RolloutScenariosTest.kubectl(cp, "diff", "--server-side", "-f", file.toString());
        assertThat(statusOf(s.client.genericKubernetesResources(API_VERSION, "LivePatch").withName(manifest.getMetadata().getName()).get())).isEqualTo(DEFAULT_STATUS);
      } finally {
        s.client.resources(LivePatch.class).withName(manifest.getMetadata().getName()).delete();
        Files.deleteIfExists(file);
      }
    }
  }

  @Test
  void aRolloutThatPausesItselfOnAFailureIsRetriedAndDeletedReadsAsTheTableSays(ControlPlane cp) {
    try (Scenario s = Scenario.startWithoutOperator(cp, FleetSettings.defaults().withLatency(Duration.ofMillis(200), Duration.ofMillis(400)));
         LivePatchVersions versions = new LivePatchVersions(s.client)) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("flux"), 4);
      s.fleet.failNextLoad(nodes.get(0)); // admitted first (name order)
      String lp = s.livePatch("flux", List.of(s.module("lp_flux_fix", true)), spec -> {
        spec.setRemovalPolicy(RemovalPolicy.Unload);
        spec.getRollout().setMaxConcurrent(new IntOrString(1));
        spec.getRollout().setMaxFailedNodes(new IntOrString(0));
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> !versions.versions(lp).isEmpty()); // seen before any operator runs
      s.startOperator();
      s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Stalled);
      s.edit(lp, spec -> spec.getRollout().setRetryFailed("again"));
      s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete && st.getUpdatedNodes() == 4);
      s.client.resources(LivePatch.class).withName(lp).delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> versions.deleted(lp));

      List<String> rows = checkEveryVersion(versions.versions(lp));
      assertThat(rows.get(0)).as("the first version, as created").isEqualTo(NOT_OBSERVED);
      assertThat(distinctRuns(rows)).containsSubsequence(NOT_OBSERVED, PROGRESSING, STALLED, NOT_OBSERVED, READY, DELETED);
    }
  }

  @Test
  void aCanaryPauseAndARolloutSettledWithAFailedNodeReadAsTheTableSays(ControlPlane cp) {
    try (Scenario s = Scenario.start(cp, FleetSettings.defaults().withLatency(Duration.ofMillis(200), Duration.ofMillis(400)));
         LivePatchVersions versions = new LivePatchVersions(s.client)) {
      List<String> nodes = s.fleet.addNodes(ControlPlane.uniqueName("fluxcanary"), 4);
      s.fleet.failNextLoad(nodes.get(3));
      String lp = s.livePatch("fluxcanary", List.of(s.module("lp_fluxcanary_fix", true)), spec -> {
        spec.getRollout().setCanaryNodes(1);
        spec.getRollout().setMaxConcurrent(new IntOrString(1));
        spec.getRollout().setMaxFailedNodes(new IntOrString(1));
      });
      s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Paused);
      s.edit(lp, spec -> spec.getRollout().setPaused(false));
      s.awaitStatus(lp, st -> st.getPhase() == LivePatchPhase.Complete && st.getFailedNodes() == 1 && st.getUpdatedNodes() == 3);
      await().atMost(Duration.ofSeconds(10)).until(() -> NOT_READY.equals(rowOf(parse(last(versions.versions(lp))))));

      List<String> rows = checkEveryVersion(versions.versions(lp));
      assertThat(rows.get(0)).as("the first version, as created").isEqualTo(NOT_OBSERVED);
      assertThat(distinctRuns(rows)).containsSubsequence(NOT_OBSERVED, PAUSED, NOT_OBSERVED, NOT_READY);
    }
  }

  /** Runs kstatus on every version; each must match its row of the docs' table. Returns the rows, in order. */
  private static List<String> checkEveryVersion(List<String> versions) {
    List<Kstatus.Verdict> verdicts = Kstatus.build().compute(versions);
    StatusTable table = StatusTable.fromDocs();
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < versions.size(); i++) {
      Map<String, Object> lp = parse(versions.get(i));
      String row = rowOf(lp);
      assertThat(verdicts.get(i)).as("kstatus on version %d of %d (row '%s'): %s", i + 1, versions.size(), row, versions.get(i))
          .isEqualTo(new Kstatus.Verdict(table.row(row).flux(), expectedMessage(row, lp)));
      rows.add(row);
      log.info("version {} of {}: {} -> {}", i + 1, versions.size(), row, verdicts.get(i));
    }
    return rows;
  }

  /** The row of docs/gitops.md's table an object is in. */
  static String rowOf(Map<String, Object> lp) {
    Map<String, Object> metadata = child(lp, "metadata");
    if (metadata.get("deletionTimestamp") != null) {
      return DELETED;
    }
    Map<String, Object> status = child(lp, "status");
    Object observed = status == null ? null : status.get("observedGeneration");
    if (!(observed instanceof Number n) || n.longValue() < ((Number) metadata.get("generation")).longValue()) {
      return NOT_OBSERVED;
    }
    String phase = String.valueOf(status.get("phase"));
    return switch (phase) {
      case "Progressing" -> PROGRESSING;
      case "Paused" -> PAUSED;
      case "Stalled" -> STALLED;
      case "Invalid" -> INVALID;
      case "Complete" -> "True".equals(condition(status, "Ready").get("status")) ? READY : NOT_READY;
      default -> throw new AssertionError("phase '" + phase + "' (generation observed) has no row in docs/gitops.md's table: " + lp);
    };
  }

  /** The message kstatus gives, as docs/gitops.md says: its own, or the deciding condition's. */
  static String expectedMessage(String row, Map<String, Object> lp) {
    Map<String, Object> status = child(lp, "status");
    return switch (row) {
      case DELETED -> "Resource scheduled for deletion";
      case NOT_OBSERVED -> "LivePatch generation is " + child(lp, "metadata").get("generation")
          + ", but latest observed generation is " + (status == null ? null : status.get("observedGeneration"));
      case PROGRESSING -> String.valueOf(condition(status, "Reconciling").get("message"));
      case STALLED, INVALID -> String.valueOf(condition(status, "Stalled").get("message"));
      case PAUSED, NOT_READY -> String.valueOf(condition(status, "Ready").get("message"));
      case READY -> "Resource is Ready";
      default -> throw new AssertionError("no message for row " + row);
    };
  }

  private static Map<String, Object> condition(Map<String, Object> status, String type) {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> conditions = (List<Map<String, Object>>) status.get("conditions");
    return conditions.stream().filter(c -> type.equals(c.get("type"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " condition in " + status));
  }

  /** The rows with repeats in a row collapsed: the states in the order the object went through them. */
  private static List<String> distinctRuns(List<String> rows) {
    List<String> runs = new ArrayList<>();
    rows.stream().filter(r -> runs.isEmpty() || !runs.get(runs.size() - 1).equals(r)).forEach(runs::add);
    return runs;
  }

  private static LivePatch livePatch(Scenario s, String name) {
    LivePatchSpec spec = new LivePatchSpec();
    spec.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(s.fleet.selector()).build());
    spec.setModules(new ArrayList<>(List.of(s.module("lp_kstatus_fix", true))));
    LivePatch lp = new LivePatch();
    lp.setMetadata(new ObjectMetaBuilder().withName(name).build());
    lp.setSpec(spec);
    return lp;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> child(Map<String, Object> object, String key) {
    return (Map<String, Object>) object.get(key);
  }

  static Map<String, Object> parse(String json) {
    try {
      return JSON.readValue(json, new TypeReference<>() { });
    } catch (java.io.IOException e) {
      throw new AssertionError("not a JSON object: " + json, e);
    }
  }

  private static Object statusOf(GenericKubernetesResource lp) {
    return lp.getAdditionalProperties().get("status");
  }

  private static <T> T last(List<T> list) {
    return list.get(list.size() - 1);
  }
}
