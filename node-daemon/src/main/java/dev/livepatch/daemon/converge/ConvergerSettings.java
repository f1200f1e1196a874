package dev.livepatch.daemon.converge;

import java.time.Duration;

/**
 * Timing of the daemon's steps.
 *
 * @param unloadGrace     how long a retired, replaced or reverted module stays loaded before its rmmod
 * @param poll            how long a slice waits before it looks at a transition in flight again
 * @param retryBackoff    the first wait before a retryable failure (fetch timeout, busy kernel) is tried again; doubles per attempt
 * @param retryBackoffMax the longest such wait
 * @param retireRetry     how long a retirement whose stalled transition was reverted waits before it is tried again
 * @param maxStepsPerPass bound on the steps of one slice (a safety net against a kernel that does not move)
 */
public record ConvergerSettings(Duration unloadGrace, Duration poll, Duration retryBackoff, Duration retryBackoffMax,
                               Duration retireRetry, int maxStepsPerPass) {
    public static ConvergerSettings defaults() {
        return new ConvergerSettings(Duration.ofMinutes(5), Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofMinutes(5),
                Duration.ofMinutes(10), 64);
    }

    public ConvergerSettings withUnloadGrace(Duration d) {
        return new ConvergerSettings(d, poll, retryBackoff, retryBackoffMax, retireRetry, maxStepsPerPass);
    }

    /** The wait before attempt {@code attempts + 1}: retryBackoff doubled per failed attempt, at most retryBackoffMax. */
    public Duration backoff(int attempts) {
        Duration d = retryBackoff;
        for (int i = 1; i < attempts && d.compareTo(retryBackoffMax) < 0; i++) d = d.multipliedBy(2);
        return d.compareTo(retryBackoffMax) > 0 ? retryBackoffMax : d;
    }
}
