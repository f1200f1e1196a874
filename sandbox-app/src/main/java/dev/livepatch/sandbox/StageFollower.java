package dev.livepatch.sandbox;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchPhase;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.fixtures.fleet.SimFleet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** Follows the example LivePatch through a stage (the rollout, the upgrade) and shows its progress until it ends. */
final class StageFollower {
  /** With --until-complete: a rollout paused by stalls for this long has failed. */
  static final Duration STALLED_FAILS_AFTER = Duration.ofSeconds(60);
  static final Duration STAGE_TIMEOUT = Duration.ofMinutes(10);

  enum Outcome { COMPLETE, FAILED }

  private final KubernetesClient client;
  private final SimFleet fleet;
  private final String livePatchName;
  private final PrintStream out;
  private final boolean live;
  private final boolean untilComplete;

  StageFollower(KubernetesClient client, SimFleet fleet, String livePatchName, PrintStream out, boolean live, boolean untilComplete) {
    this.client = client;
    this.fleet = fleet;
    this.livePatchName = livePatchName;
    this.out = out;
    this.live = live;
    this.untilComplete = untilComplete;
  }

  /** Shows progress until the LivePatch completes at {@code generation} (or fails, with --until-complete). */
  Outcome follow(long generation, String stage) {
    ProgressView view = new ProgressView(out, live);
    Instant start = Instant.now();
    Instant stalledSince = null;
    try {
      while (true) {
        LivePatch lp = client.resources(LivePatch.class).withName(livePatchName).get();
        if (lp == null) {
          out.println("[sandbox] LivePatch " + livePatchName + " is gone");
          return Outcome.FAILED;
        }
        view.show(lp, fleet, stage);
        LivePatchStatus s = lp.getStatus();
        boolean current = s != null && Objects.equals(s.getObservedGeneration(), lp.getMetadata().getGeneration())
            && lp.getMetadata().getGeneration() >= generation;
        if (current && s.getPhase() == LivePatchPhase.Complete) {
          view.finish();
          out.printf("[sandbox] %s complete in %.1f s: %s%n", stage, Duration.between(start, Instant.now()).toMillis() / 1000.0, s.getSummary());
          return s.getFailedNodes() != null && s.getFailedNodes() > 0 ? Outcome.FAILED : Outcome.COMPLETE;
        }
        if (current && s.getPhase() == LivePatchPhase.Invalid) {
          view.finish();
          out.println("[sandbox] " + stage + " invalid: " + s.getSummary());
          return Outcome.FAILED;
        }
        stalledSince = current && s.getPhase() == LivePatchPhase.Stalled ? (stalledSince == null ? Instant.now() : stalledSince) : null;
        if (untilComplete && stalledSince != null && Duration.between(stalledSince, Instant.now()).compareTo(STALLED_FAILS_AFTER) > 0) {
          view.finish();
          out.println("[sandbox] " + stage + " paused by stalled or failed nodes for " + STALLED_FAILS_AFTER.toSeconds() + " s: " + s.getSummary());
          return Outcome.FAILED;
        }
        if (Duration.between(start, Instant.now()).compareTo(STAGE_TIMEOUT) > 0) {
          view.finish();
          out.println("[sandbox] " + stage + " did not complete within " + STAGE_TIMEOUT.toMinutes() + " min");
          return Outcome.FAILED;
        }
        Thread.sleep(live ? 250 : 500);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.FAILED;
    }
  }

  /** Shows the LivePatch's state every second until the thread is interrupted. */
  void watchForever() {
    ProgressView view = new ProgressView(out, live);
    try {
      while (!Thread.currentThread().isInterrupted()) {
        LivePatch lp = client.resources(LivePatch.class).withName(livePatchName).get();
        if (lp != null) {
          view.show(lp, fleet, "steady");
        }
        Thread.sleep(1000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
