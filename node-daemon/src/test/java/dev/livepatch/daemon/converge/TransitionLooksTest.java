package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.TransitionDirection;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The looks at a transition in flight: they start {@link TransitionLooks#FIRST} apart and double, up to the poll interval. */
class TransitionLooksTest {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    /**
     * A transition that ends {@code endsAfter} ms after the load is seen ending by a look no later than
     * twice its length (or {@link TransitionLooks#FIRST} after its end) and no later than one poll
     * interval after its end; and a long one costs about one look per poll interval, not more.
     */
    @Property
    void aTransitionIsSeenEndingWithinItsOwnLengthAndAtMostOnePollLate(@ForAll @IntRange(min = 0, max = 120_000) int endsAfter,
                                                                      @ForAll @IntRange(min = 10, max = 10_000) int pollMillis) {
        HostState.InFlight f = HostState.InFlight.seenBy("me", "lp_a", TransitionDirection.Patching, T0);
        Instant now = T0;
        int looks = 0;
        while (Duration.between(T0, now).toMillis() < endsAfter) {
            now = TransitionLooks.next(f, now, now.plusMillis(pollMillis));
            f.lookedAt("me", now);
            looks++;
        }
        long seenAt = Duration.between(T0, now).toMillis();
        assertThat(seenAt).isLessThanOrEqualTo(Math.max(2L * endsAfter, endsAfter + TransitionLooks.FIRST.toMillis()))
                .isLessThanOrEqualTo((long) endsAfter + pollMillis);
        long doublings = 64 - Long.numberOfLeadingZeros(Math.max(1, pollMillis / TransitionLooks.FIRST.toMillis()));
        assertThat(looks).isLessThanOrEqualTo((int) (doublings + 2 + endsAfter / pollMillis));
    }

    @Test
    void withNothingInFlightTheWaitIsThePlannersAndANewlyFoundTransitionIsLookedAtSoon() {
        Instant until = T0.plusMillis(500);
        assertThat(TransitionLooks.next(null, T0, until)).isEqualTo(until);
        HostState.InFlight found = HostState.InFlight.seenBy("me", "lp_a", TransitionDirection.Unpatching, T0);
        assertThat(TransitionLooks.next(found, T0, until)).isEqualTo(T0.plus(TransitionLooks.FIRST));
        found.observedMillis = 10_000;
        assertThat(TransitionLooks.next(found, T0, until)).as("a stalled one: once per poll interval").isEqualTo(until);
    }
}
