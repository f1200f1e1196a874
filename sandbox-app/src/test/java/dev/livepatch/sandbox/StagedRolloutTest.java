package dev.livepatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.api.v1alpha1.StepStatus;
import dev.livepatch.api.v1alpha1.Weekday;
import dev.livepatch.api.v1alpha1.WindowStatus;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class StagedRolloutTest {

  @Test
  void theWindowOpensAtTheNextWholeMinuteAtLeastTenSecondsAwayOnThatMinutesDay() {
    RolloutSpec r = new RolloutSpec();
    StagedRollout.apply(r, ZonedDateTime.parse("2026-05-03T23:59:55Z")); // a Sunday
    assertThat(r.getWindows()).singleElement().satisfies(w -> {
      assertThat(w.getDays()).containsExactly(Weekday.Mon);
      assertThat(w.getStart()).isEqualTo("00:01");
      assertThat(w.getEnd()).isEqualTo("01:01");
    });
    assertThat(r.getSteps()).extracting(s -> s.getNodes().getIntVal() != null ? s.getNodes().getIntVal().toString() : s.getNodes().getStrVal(),
        s -> String.valueOf(s.getBake())).containsExactly(tuple("1", "5s"), tuple("25%", "5s"), tuple("100%", "null"));
  }

  @Test
  void describesTheWindowAndTheStep() {
    LivePatchStatus s = new LivePatchStatus();
    assertThat(StagedRollout.describe(s)).isNull();
    WindowStatus w = new WindowStatus();
    w.setOpen(false);
    w.setWindow("Mon 00:01-01:01 UTC");
    w.setNextOpensAt("2026-05-04T00:01:00Z");
    s.setWindow(w);
    StepStatus step = new StepStatus();
    step.setIndex(1);
    step.setSteps(3);
    step.setState("Baking");
    step.setBakeEndsAt("2026-05-04T00:02:00Z");
    s.setStep(step);
    assertThat(StagedRollout.describe(s))
        .isEqualTo("waiting for window Mon 00:01-01:01 UTC, opens at 2026-05-04T00:01:00Z; step 1/3 Baking until 2026-05-04T00:02:00Z");
    step.setIndex(4);
    step.setState("Done");
    step.setBakeEndsAt(null);
    w.setOpen(true);
    w.setClosesAt("2026-05-04T01:01:00Z");
    assertThat(StagedRollout.describe(s)).isEqualTo("window Mon 00:01-01:01 UTC open until 2026-05-04T01:01:00Z; all 3 steps done");
  }
}
