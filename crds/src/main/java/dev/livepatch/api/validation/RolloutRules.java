package dev.livepatch.api.validation;

import static dev.livepatch.api.validation.Violation.abbreviate;

import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.api.values.IntOrPercent;
import dev.livepatch.api.values.KubeDuration;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Duration;
import java.util.List;

/** The rules of {@code spec.rollout}: counts, percentages and durations within their bounds. */
final class RolloutRules {
    static final int MAX_CANARY_NODES = 1000;
    static final int MAX_RETRY_TOKEN = 253;
    private static final Duration MAX_DURATION = Duration.ofHours(24);
    private static final Duration MIN_STALL_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration MIN_PROGRESS_DEADLINE = Duration.ofSeconds(1);

    private RolloutRules() {}

    static void validate(RolloutSpec r, List<Violation> out) {
        if (r == null) {
            return;
        }
        String at = "spec.rollout";
        validateIntOrPercent(r.getMaxConcurrent(), 1, at + ".maxConcurrent", out);
        validateIntOrPercent(r.getMaxFailedNodes(), 0, at + ".maxFailedNodes", out);
        validateDuration(r.getInterval(), Duration.ZERO, at + ".interval", out);
        validateDuration(r.getNodeCooldown(), Duration.ZERO, at + ".nodeCooldown", out);
        validateDuration(r.getStallTimeout(), MIN_STALL_TIMEOUT, at + ".stallTimeout", out);
        validateDuration(r.getProgressDeadline(), MIN_PROGRESS_DEADLINE, at + ".progressDeadline", out);
        if (r.getRetryFailed() != null && r.getRetryFailed().length() > MAX_RETRY_TOKEN) {
            out.add(new Violation(at + ".retryFailed", "must be at most " + MAX_RETRY_TOKEN + " characters, got " + r.getRetryFailed().length()));
        }
        if (r.getCanaryNodes() != null && (r.getCanaryNodes() < 0 || r.getCanaryNodes() > MAX_CANARY_NODES)) {
            out.add(new Violation(at + ".canaryNodes", "must be between 0 and " + MAX_CANARY_NODES + ", got " + r.getCanaryNodes()));
        }
        ScheduleRules.validate(r, out);
    }

    static void validateIntOrPercent(IntOrString value, int minCount, String at, List<Violation> out) {
        if (value == null) {
            return;
        }
        var parsed = IntOrPercent.parse(value);
        if (parsed.isEmpty()) {
            out.add(new Violation(at, "'" + value.getStrVal() + "' must be an integer or a percentage from 1% to 100% (e.g. 10%)"));
        } else if (parsed.get().count().isPresent() && parsed.get().count().getAsInt() < minCount) {
            out.add(new Violation(at, "must be at least " + minCount + ", got " + parsed.get().count().getAsInt()));
        }
    }

    static void validateDuration(String text, Duration min, String at, List<Violation> out) {
        if (text == null) {
            return;
        }
        var parsed = KubeDuration.parse(text);
        if (parsed.isEmpty()) {
            out.add(new Violation(at, "'" + abbreviate(text) + "' is not a duration: use digits and a unit ms, s, m or h, e.g. 30s or 1m30s"));
        } else if (parsed.get().compareTo(min) < 0 || parsed.get().compareTo(MAX_DURATION) > 0) {
            out.add(new Violation(at, "must be between " + KubeDuration.format(min) + " and 24h, got " + text));
        }
    }
}
