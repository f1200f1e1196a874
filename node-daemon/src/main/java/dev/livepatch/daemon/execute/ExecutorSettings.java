package dev.livepatch.daemon.execute;

import java.time.Duration;

/**
 * Timing of the executor.
 *
 * @param unloadGrace       how long a retired, replaced or reverted module stays loaded before its rmmod (DESIGN §5 rule 7)
 * @param poll              how often a transition in flight is looked at
 * @param insmodBusyAttempts insmod attempts in all when the kernel answers EBUSY (the one transient error)
 * @param insmodBusyBackoff first wait between EBUSY attempts; doubles each time
 * @param retireRetry       how long a retirement whose stalled transition was reverted waits before it is tried again
 * @param maxStepsPerPass   bound on the steps of one convergence pass (a safety net against a kernel that does not move)
 */
public record ExecutorSettings(Duration unloadGrace, Duration poll, int insmodBusyAttempts, Duration insmodBusyBackoff,
                               Duration retireRetry, int maxStepsPerPass) {
    public static ExecutorSettings defaults() {
        return new ExecutorSettings(Duration.ofMinutes(5), Duration.ofMillis(500), 5, Duration.ofSeconds(1), Duration.ofMinutes(10), 64);
    }

    public ExecutorSettings withUnloadGrace(Duration d) {
        return new ExecutorSettings(d, poll, insmodBusyAttempts, insmodBusyBackoff, retireRetry, maxStepsPerPass);
    }
}
