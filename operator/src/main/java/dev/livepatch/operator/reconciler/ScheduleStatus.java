package dev.livepatch.operator.reconciler;

import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.StepStatus;
import dev.livepatch.api.v1alpha1.WindowStatus;
import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.NodeView;
import dev.livepatch.operator.rollout.Plan;
import dev.livepatch.operator.rollout.Schedule;
import dev.livepatch.operator.rollout.steps.StepProgress;
import dev.livepatch.operator.rollout.window.WindowState;
import java.util.stream.Collectors;

/** status.window, status.step and status.emergency from a plan, and the words conditions use for them (docs/design.md §6.6–§6.8). */
final class ScheduleStatus {
    private ScheduleStatus() {}

    static void record(LivePatchStatus s, Plan plan) {
        Schedule schedule = plan.schedule();
        s.setWindow(window(schedule.window()));
        s.setStep(step(schedule.step()));
        s.setEmergency(schedule.emergency() ? Boolean.TRUE : null);
    }

    private static WindowStatus window(WindowState w) {
        if (!w.scheduled()) {
            return null;
        }
        WindowStatus out = new WindowStatus();
        out.setOpen(w.open());
        out.setWindow(w.window().describe());
        out.setClosesAt(w.closesAt() == null ? null : w.closesAt().toString());
        out.setNextOpensAt(w.nextOpensAt() == null ? null : w.nextOpensAt().toString());
        return out;
    }

    private static StepStatus step(StepProgress p) {
        if (!p.staged()) {
            return null;
        }
        StepStatus out = new StepStatus();
        out.setIndex(p.index() + 1);
        out.setSteps(p.steps());
        out.setNodes(p.allowance());
        out.setState(p.state().name());
        out.setBakeEndsAt(p.bakeEndsAt() == null ? null : p.bakeEndsAt().toString());
        return out;
    }

    /** "outside the maintenance windows; the next, Sat 22:00-06:00 UTC, opens at …". */
    static String waiting(Plan plan) {
        WindowState w = plan.schedule().window();
        return "outside the maintenance windows: no node is admitted until " + w.window().describe() + " opens at " + w.nextOpensAt()
                + "; transitions already running finish";
    }

    static String baking(Plan plan) {
        StepProgress p = plan.schedule().step();
        return "step " + (p.index() + 1) + "/" + p.steps() + ": " + p.allowance() + " node(s) updated, baking until " + p.bakeEndsAt();
    }

    static String unhealthy(Plan plan) {
        StepProgress p = plan.schedule().step();
        String nodes = p.failing().stream().limit(10).map(ScheduleStatus::failure).collect(Collectors.joining("; "));
        String more = p.failing().size() > 10 ? " and " + (p.failing().size() - 10) + " more" : "";
        boolean failed = p.failing().stream().anyMatch(n -> n.state() == NodeState.FAILED);
        return "step " + (p.index() + 1) + "/" + p.steps() + " stopped: " + p.failing().size() + " node(s) failed: " + nodes + more
                + (failed ? ". Fix the nodes or the modules, then set spec.rollout.retryFailed to a new value to admit them again" : "");
    }

    /** What a progressing rollout adds to its message: the step it is in, the window it runs in, the emergency. */
    static String progressNote(Plan plan) {
        Schedule schedule = plan.schedule();
        StringBuilder s = new StringBuilder();
        if (schedule.emergency()) {
            s.append("; emergency: concurrency ").append(plan.pacing().concurrency()).append(", no interval, ignoring windows, steps and bake times");
        }
        if (schedule.step().staged()) {
            StepProgress p = schedule.step();
            s.append(p.index() < p.steps() ? "; step " + (p.index() + 1) + "/" + p.steps() + ": up to " + p.allowance() + " node(s)"
                    : "; every step baked: the remaining nodes follow");
        }
        WindowState w = schedule.window();
        if (w.scheduled() && w.open()) {
            s.append("; in maintenance window ").append(w.window().describe()).append(" until ").append(w.closesAt());
        } else if (w.scheduled()) {
            s.append("; outside the maintenance windows (the next opens at ").append(w.nextOpensAt()).append(")");
        }
        return s.toString();
    }

    private static String failure(NodeView n) {
        if (n.state() == NodeState.UPDATED) {
            return n.name() + " (NotReady: the steps go on when its Node is Ready again)";
        }
        return n.name() + " (" + n.reason() + (n.message() == null ? "" : ": " + n.message()) + ")";
    }
}
