package dev.livepatch.operator.rollout;

import java.time.Duration;

/**
 * The pacing in force: the spec's, or slower when nodes report trouble.
 *
 * @param reason           why it is slower than the spec, null when it is not
 * @param cleanTransitions clean transitions since the latest trouble (recovery counts them)
 */
public record EffectivePacing(int concurrency, Duration interval, String reason, int cleanTransitions) {
    public boolean slowed() {
        return reason != null;
    }
}
