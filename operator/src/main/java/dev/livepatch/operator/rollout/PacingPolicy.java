package dev.livepatch.operator.rollout;

import java.time.Duration;

/**
 * How stall-aware pacing reacts to what nodes report (docs/design.md §6.2), operator-wide.
 *
 * @param slowTransition      a transition longer than this counts as trouble
 * @param recoveryTransitions clean transitions after the latest trouble that restore the spec's pacing
 * @param slowedMinInterval   the interval a slowed rollout starts from when the spec's is shorter
 * @param maxSlowedInterval   the bound of the growing interval
 * @param memory              troubles older than this are forgotten
 */
public record PacingPolicy(Duration slowTransition, int recoveryTransitions, Duration slowedMinInterval, Duration maxSlowedInterval,
                           Duration memory) {

    public static PacingPolicy defaults() {
        return new PacingPolicy(Duration.ofSeconds(30), 3, Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofHours(1));
    }
}
