package dev.livepatch.e2e.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.fleet.FleetSettings;
import dev.livepatch.fixtures.fleet.SimFleet;
import dev.livepatch.fixtures.world.SimWorld;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One end-to-end scenario's world on the shared control plane (a {@link SimWorld}: the project's
 * CRDs, a simulated fleet whose nodes carry a label of their own, the operator with pacing scaled to
 * simulated seconds) and a {@link NodeWatch}. LivePatches made here select only this fleet, so
 * scenarios never touch each other's nodes. {@link #close} stops everything and removes what the
 * scenario created.
 */
final class Scenario implements AutoCloseable {
  static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);

  final ControlPlane cp;
  final KubernetesClient client;
  final SimFleet fleet;
  final NodeWatch watch;
  private final SimWorld world;

  private Scenario(SimWorld world) {
    this.world = world;
    this.cp = world.controlPlane();
    this.client = world.client();
    this.fleet = world.fleet();
    this.watch = new NodeWatch(client, fleet::contains);
  }

  /** CRDs (once per control plane), an empty fleet and the operator. Add nodes to {@link #fleet} next. */
  static Scenario start(ControlPlane cp, FleetSettings settings) {
    Scenario s = startWithoutOperator(cp, settings);
    s.startOperator();
    return s;
  }

  /** CRDs (once per control plane) and an empty fleet; the scenario runs its operator itself (e.g. as a process). */
  static Scenario startWithoutOperator(ControlPlane cp, FleetSettings settings) {
    return new Scenario(SimWorld.start(cp, settings));
  }

  /** The operator in this JVM, without its HTTP server. */
  void startOperator() {
    world.startOperator(SimWorld.operatorConfig(SimWorld.NO_HTTP));
  }

  /** Stops the operator as a crash would leave things: whatever it wrote stays, nothing in memory survives. */
  void stopOperator() {
    world.stopOperator();
  }

  /** A module published on every node of the fleet, for its kernel. */
  PatchModule module(String name, boolean replaceable) {
    return world.module(name, replaceable);
  }

  /**
   * Creates a LivePatch selecting this fleet, with fast pacing (maxConcurrent 5, interval 0s,
   * nodeCooldown 0s, stallTimeout 5s — far above the simulated latencies, so that a starved
   * thread on a busy CI machine does not look like a stall — Revert), changed by {@code edit}; returns its name.
   */
  String livePatch(String prefix, List<PatchModule> modules, Consumer<LivePatchSpec> edit) {
    LivePatchSpec spec = new LivePatchSpec();
    spec.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(fleet.selector()).build());
    spec.setModules(new ArrayList<>(modules));
    RolloutSpec r = new RolloutSpec();
    r.setMaxConcurrent(new IntOrString(5));
    r.setInterval("0s");
    r.setNodeCooldown("0s");
    r.setStallTimeout("5s");
    r.setOnStall(OnStall.Revert);
    spec.setRollout(r);
    edit.accept(spec);
    LivePatch lp = new LivePatch();
    String name = ControlPlane.uniqueName(prefix);
    lp.setMetadata(new ObjectMetaBuilder().withName(name).build());
    lp.setSpec(spec);
    watch.track(name);
    return world.create(lp);
  }

  /** The names of the LivePatches this scenario created. */
  List<String> livePatchesCreated() {
    return world.livePatchesCreated();
  }

  LivePatch get(String livePatch) {
    return client.resources(LivePatch.class).withName(livePatch).get();
  }

  LivePatchStatus status(String livePatch) {
    LivePatch lp = get(livePatch);
    return lp == null ? null : lp.getStatus();
  }

  void edit(String livePatch, Consumer<LivePatchSpec> edit) {
    client.resources(LivePatch.class).withName(livePatch).edit(lp -> {
      edit.accept(lp.getSpec());
      return lp;
    });
  }

  /** Waits until the LivePatch's status (at its current generation) satisfies {@code p}; returns it. */
  LivePatchStatus awaitStatus(String livePatch, Predicate<LivePatchStatus> p) {
    return awaitStatus(livePatch, p, DEFAULT_WAIT);
  }

  LivePatchStatus awaitStatus(String livePatch, Predicate<LivePatchStatus> p, Duration atMost) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      LivePatch lp = get(livePatch);
      assertThat(lp).as("LivePatch %s", livePatch).isNotNull();
      LivePatchStatus s = lp.getStatus();
      assertThat(s != null && lp.getMetadata().getGeneration().equals(s.getObservedGeneration()) && p.test(s))
          .as("status of %s at generation %s: %s", livePatch, lp.getMetadata().getGeneration(), s == null ? null : Serialization.asJson(s))
          .isTrue();
    });
    return status(livePatch);
  }

  NodeLivePatch nodeLivePatch(String node) {
    return client.resources(NodeLivePatch.class).withName(node).get();
  }

  static Optional<Condition> condition(LivePatchStatus s, String type) {
    return s.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** Stops the operator, removes this scenario's LivePatches (finalizers dropped) and the fleet with its Nodes. */
  @Override
  public void close() {
    watch.close();
    world.close();
  }
}
