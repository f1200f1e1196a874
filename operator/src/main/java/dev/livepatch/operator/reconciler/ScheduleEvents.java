package dev.livepatch.operator.reconciler;

import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.StepStatus;
import dev.livepatch.api.v1alpha1.WindowStatus;
import dev.livepatch.operator.rollout.Plan;
import dev.livepatch.operator.rollout.Reasons;
import dev.livepatch.operator.rollout.steps.StepState;
import dev.livepatch.operator.write.EventNote;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The events of windows, steps and emergencies: a diff of status.window, status.step and
 * status.emergency between the previous status and the new one, so each fires once per change.
 */
final class ScheduleEvents {
    private ScheduleEvents() {}

    static List<EventNote> of(LivePatchStatus previous, LivePatchStatus status, Plan plan) {
        List<EventNote> events = new ArrayList<>();
        boolean wasEmergency = previous != null && Boolean.TRUE.equals(previous.getEmergency());
        if (plan.schedule().emergency() && !wasEmergency) {
            events.add(EventNote.warning(Reasons.EMERGENCY, "emergency roll-off: up to " + plan.pacing().concurrency()
                    + " node(s) at once, no interval, ignoring maintenance windows, steps and bake times (spec.rollout.emergency)"));
        } else if (!plan.schedule().emergency() && wasEmergency) {
            events.add(EventNote.normal(Reasons.EMERGENCY_ENDED, "spec.rollout.emergency is off: the rollout's own pacing, windows and steps apply again"));
        }
        window(previous == null ? null : previous.getWindow(), status.getWindow(), plan, events);
        step(previous == null ? null : previous.getStep(), status.getStep(), plan, events);
        return events;
    }

    private static void window(WindowStatus before, WindowStatus now, Plan plan, List<EventNote> events) {
        if (now == null || before != null && Objects.equals(before.getOpen(), now.getOpen())) {
            return;
        }
        if (Boolean.TRUE.equals(now.getOpen())) {
            events.add(EventNote.normal(Reasons.WINDOW_OPEN, "maintenance window " + now.getWindow() + " is open until " + now.getClosesAt()));
        } else {
            events.add(EventNote.normal(Reasons.WAITING_FOR_WINDOW, ScheduleStatus.waiting(plan)));
        }
    }

    private static void step(StepStatus before, StepStatus now, Plan plan, List<EventNote> events) {
        if (now == null || before != null && Objects.equals(before.getIndex(), now.getIndex()) && Objects.equals(before.getState(), now.getState())) {
            return;
        }
        StepState state = StepState.valueOf(now.getState());
        switch (state) {
            case Baking -> events.add(EventNote.normal(Reasons.BAKING, ScheduleStatus.baking(plan)));
            case Unhealthy -> events.add(EventNote.warning(Reasons.STEP_UNHEALTHY, ScheduleStatus.unhealthy(plan)));
            case Admitting -> events.add(EventNote.normal(Reasons.STEP_ADVANCED, "step " + now.getIndex() + "/" + now.getSteps()
                    + ": admitting up to " + now.getNodes() + " node(s) in all"));
            case Done -> events.add(EventNote.normal(Reasons.STEP_ADVANCED, "every step of " + now.getSteps()
                    + " has baked: the remaining nodes follow with the rollout's pacing"));
        }
    }
}
