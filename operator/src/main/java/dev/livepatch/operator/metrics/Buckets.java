package dev.livepatch.operator.metrics;

import java.time.Duration;

/**
 * Histogram buckets in seconds. Those of kernel transitions are the same as the daemon's
 * {@code livepatch_transition_seconds}, so that the two compare bucket by bucket: most transitions
 * finish within a second, a stalled one takes minutes (docs/design.md §6.5).
 */
final class Buckets {
    static final Duration[] TRANSITION_SECONDS = seconds(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800);

    private Buckets() {}

    static Duration[] seconds(double... bounds) {
        Duration[] out = new Duration[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            out[i] = Duration.ofNanos(Math.round(bounds[i] * 1e9));
        }
        return out;
    }
}
