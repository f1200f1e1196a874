package dev.livepatch.daemon.converge;

import java.time.Duration;
import java.time.Instant;

/**
 * When to look at a transition in flight again (docs/design.md §5 rule 12): after as long as this
 * process has observed it so far, from {@link #FIRST} (so the looks double), at most at the
 * planner's {@code until} (the poll interval). An idle kernel's transition (tens of milliseconds) is
 * seen ending within about its own length; a stalled one costs a look per poll interval.
 */
final class TransitionLooks {
    /** The first wait before looking at a transition in flight again. */
    static final Duration FIRST = Duration.ofMillis(2);

    private TransitionLooks() {}

    /** @param f the transition in flight, or null (then the planner's {@code until}) */
    static Instant next(HostState.InFlight f, Instant now, Instant until) {
        if (f == null) return until;
        Instant soon = now.plus(Duration.ofMillis(Math.max(FIRST.toMillis(), f.observedMillis)));
        return soon.isBefore(until) ? soon : until;
    }
}
