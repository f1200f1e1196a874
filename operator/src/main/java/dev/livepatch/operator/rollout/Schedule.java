package dev.livepatch.operator.rollout;

import dev.livepatch.operator.rollout.steps.StepProgress;
import dev.livepatch.operator.rollout.steps.StepState;
import dev.livepatch.operator.rollout.window.WindowState;
import java.time.Instant;
import java.util.Optional;

/**
 * When the rollout may admit, beside its pacing: the maintenance windows, the step, and whether an
 * emergency overrides both (docs/design.md §6.6–§6.8). In an emergency the window is the spec's,
 * reported and ignored, and the step is {@link StepProgress#NONE}.
 */
public record Schedule(WindowState window, StepProgress step, boolean emergency) {
    public static final Schedule NONE = new Schedule(WindowState.ALWAYS_OPEN, StepProgress.NONE, false);

    /** Why the schedule admits nothing now, or NONE: always NONE in an emergency. */
    public Hold hold() {
        if (emergency) {
            return Hold.NONE;
        }
        if (!window.open()) {
            return Hold.OUTSIDE_WINDOW;
        }
        if (step.state() == StepState.Unhealthy) {
            return Hold.STEP_UNHEALTHY;
        }
        return step.state() == StepState.Baking ? Hold.BAKING : Hold.NONE;
    }

    /** The first instant the schedule says something else: a window opens or closes, a bake ends. */
    public Optional<Instant> changesAt() {
        Optional<Instant> w = window.changesAt();
        Optional<Instant> s = step.changesAt();
        return w.isEmpty() ? s : s.isEmpty() ? w : Optional.of(w.get().isBefore(s.get()) ? w.get() : s.get());
    }
}
