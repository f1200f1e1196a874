package dev.livepatch.sandbox;

import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.MaintenanceWindow;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.api.v1alpha1.RolloutStep;
import dev.livepatch.api.v1alpha1.Weekday;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** {@code --staged}: the example rolls out in a maintenance window that opens soon, in steps with bake times. */
final class StagedRollout {
  static final String DESCRIPTION = "in a maintenance window from the next whole minute, in steps: 1 node, bake 5s; 25%, bake 5s; the rest";

  private StagedRollout() {}

  /** A window that opens at the next whole minute at least 10 s after {@code now} (UTC) for an hour, and the steps. */
  static void apply(RolloutSpec r, ZonedDateTime now) {
    ZonedDateTime opens = now.plusSeconds(10).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    r.setWindows(new ArrayList<>(List.of(new MaintenanceWindow(List.of(Weekday.of(opens.getDayOfWeek())),
        opens.toLocalTime().toString(), opens.plusHours(1).toLocalTime().toString(), "UTC"))));
    r.setSteps(new ArrayList<>(List.of(new RolloutStep(new IntOrString(1), "5s"), new RolloutStep(new IntOrString("25%"), "5s"),
        new RolloutStep(new IntOrString("100%"), null))));
  }

  /** What the progress view says about the window and the step, or null when the rollout has neither. */
  static String describe(LivePatchStatus s) {
    List<String> parts = new ArrayList<>();
    if (s.getWindow() != null) {
      parts.add(Boolean.TRUE.equals(s.getWindow().getOpen()) ? "window " + s.getWindow().getWindow() + " open until " + s.getWindow().getClosesAt()
          : "waiting for window " + s.getWindow().getWindow() + ", opens at " + s.getWindow().getNextOpensAt());
    }
    if (s.getStep() != null && "Done".equals(s.getStep().getState())) {
      parts.add("all " + s.getStep().getSteps() + " steps done");
    } else if (s.getStep() != null) {
      parts.add("step " + s.getStep().getIndex() + "/" + s.getStep().getSteps() + " " + s.getStep().getState()
          + (s.getStep().getBakeEndsAt() == null ? "" : " until " + s.getStep().getBakeEndsAt()));
    }
    return parts.isEmpty() ? null : String.join("; ", parts);
  }
}
