package dev.livepatch.api.validation;

import static dev.livepatch.api.validation.Violation.abbreviate;

import dev.livepatch.api.v1alpha1.MaintenanceWindow;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.api.v1alpha1.RolloutStep;
import dev.livepatch.api.v1alpha1.Weekday;
import dev.livepatch.api.values.IntOrPercent;
import dev.livepatch.api.values.WeeklyTimes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The rules of {@code spec.rollout}'s windows, steps and emergency (docs/design.md §6.6–§6.8). */
final class ScheduleRules {
    static final int MAX_WINDOWS = 16;
    static final int MAX_STEPS = 20;

    private ScheduleRules() {}

    static void validate(RolloutSpec r, List<Violation> out) {
        String at = "spec.rollout";
        List<MaintenanceWindow> windows = r.getWindows() == null ? List.of() : r.getWindows();
        if (windows.size() > MAX_WINDOWS) {
            out.add(new Violation(at + ".windows", "at most " + MAX_WINDOWS + " windows, got " + windows.size()));
        }
        for (int i = 0; i < windows.size(); i++) {
            window(windows.get(i), at + ".windows[" + i + "]", out);
        }
        steps(r.getSteps() == null ? List.of() : r.getSteps(), at + ".steps", out);
        if (r.getSteps() != null && !r.getSteps().isEmpty() && r.getCanaryNodes() != null && r.getCanaryNodes() > 0) {
            out.add(new Violation(at + ".canaryNodes", "set canaryNodes or steps, not both: canaryNodes " + r.getCanaryNodes()
                    + " is the step [{nodes: " + r.getCanaryNodes() + "}] followed by a pause; with steps use a bake time (or paused: true)"));
        }
        emergency(r, at, out);
    }

    private static void window(MaintenanceWindow w, String at, List<Violation> out) {
        if (w == null) {
            out.add(new Violation(at, "is empty: give days, start and end"));
            return;
        }
        if (w.getDays() == null || w.getDays().isEmpty()) {
            out.add(new Violation(at + ".days", "name at least one day: Mon, Tue, Wed, Thu, Fri, Sat or Sun"));
        } else {
            Set<Weekday> seen = new HashSet<>();
            for (Weekday d : w.getDays()) {
                if (d == null) {
                    out.add(new Violation(at + ".days", "an empty day: use Mon, Tue, Wed, Thu, Fri, Sat or Sun"));
                } else if (!seen.add(d)) {
                    out.add(new Violation(at + ".days", d + " is listed twice"));
                }
            }
        }
        var start = time(w.getStart(), at + ".start", out);
        var end = time(w.getEnd(), at + ".end", out);
        if (start.isPresent() && start.equals(end)) {
            out.add(new Violation(at + ".end", "equals start (" + w.getStart() + "): an empty window never opens; for a whole day use start 00:00 and end 23:59"));
        }
        if (w.getTimeZone() != null && WeeklyTimes.zone(w.getTimeZone()).isEmpty()) {
            out.add(new Violation(at + ".timeZone", "'" + abbreviate(w.getTimeZone()) + "' is not an IANA time zone: use a name such as Europe/Berlin,"
                    + " America/New_York or UTC (fixed offsets like +02:00 are not accepted: they ignore daylight saving time)"));
        }
    }

    private static Optional<java.time.LocalTime> time(String text, String at, List<Violation> out) {
        var t = WeeklyTimes.time(text);
        if (t.isEmpty()) {
            out.add(new Violation(at, text == null ? "is required: HH:MM on a 24-hour clock, e.g. 02:00"
                    : "'" + abbreviate(text) + "' is not a time: use HH:MM on a 24-hour clock, e.g. 02:00 or 22:30"));
        }
        return t;
    }

    private static void steps(List<RolloutStep> steps, String at, List<Violation> out) {
        if (steps.size() > MAX_STEPS) {
            out.add(new Violation(at, "at most " + MAX_STEPS + " steps, got " + steps.size()));
        }
        Integer lastCount = null;
        Integer lastPercent = null;
        for (int i = 0; i < steps.size(); i++) {
            String here = at + "[" + i + "]";
            RolloutStep s = steps.get(i);
            if (s == null || s.getNodes() == null) {
                out.add(new Violation(here + ".nodes", "is required: an integer >= 1 or a percentage from 1% to 100%"));
                continue;
            }
            RolloutRules.validateIntOrPercent(s.getNodes(), 1, here + ".nodes", out);
            var nodes = IntOrPercent.parse(s.getNodes()).filter(n -> n.count().isEmpty() || n.count().getAsInt() >= 1);
            if (nodes.isPresent() && nodes.get().count().isPresent()) {
                int n = nodes.get().count().getAsInt();
                if (lastCount != null && n <= lastCount) {
                    out.add(new Violation(here + ".nodes", "steps count nodes cumulatively and must increase: " + n + " after " + lastCount));
                }
                lastCount = n;
            } else if (nodes.isPresent()) {
                int p = nodes.get().resolveRoundingUp(100);
                if (lastPercent != null && p <= lastPercent) {
                    out.add(new Violation(here + ".nodes", "steps count nodes cumulatively and must increase: " + p + "% after " + lastPercent + "%"));
                }
                lastPercent = p;
            }
            RolloutRules.validateDuration(s.getBake(), Duration.ZERO, here + ".bake", out);
        }
    }

    private static void emergency(RolloutSpec r, String at, List<Violation> out) {
        List<Violation> own = new ArrayList<>();
        RolloutRules.validateIntOrPercent(r.getEmergencyMaxConcurrent(), 1, at + ".emergencyMaxConcurrent", own);
        out.addAll(own);
        var emergency = IntOrPercent.parse(r.getEmergencyMaxConcurrent());
        var normal = IntOrPercent.parse(r.getMaxConcurrent());
        if (own.isEmpty() && emergency.isPresent() && emergency.get().count().isPresent() && normal.isPresent() && normal.get().count().isPresent()
                && emergency.get().count().getAsInt() < normal.get().count().getAsInt()) {
            out.add(new Violation(at + ".emergencyMaxConcurrent", "must be at least maxConcurrent (" + normal.get().count().getAsInt() + "), got "
                    + emergency.get().count().getAsInt() + ": an emergency roll-off is never slower than the rollout"));
        }
    }
}
