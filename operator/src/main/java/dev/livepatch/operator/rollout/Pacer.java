package dev.livepatch.operator.rollout;

import dev.livepatch.api.values.KubeDuration;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * Stall-aware pacing (docs/design.md §6.2): the spec's concurrency and interval while transitions are clean;
 * concurrency 1 and an interval that doubles with each recent trouble (bounded) while nodes are
 * stalled or recently reported stalls, slow transitions or RCU-tasks warnings; the spec's pacing
 * again after {@link PacingPolicy#recoveryTransitions()} clean transitions. Reads only what the
 * nodes report, so a restarted operator paces the same way.
 */
public final class Pacer {
    private static final int MAX_DOUBLINGS = 10;

    private final PacingPolicy policy;

    public Pacer(PacingPolicy policy) {
        this.policy = policy;
    }

    public EffectivePacing pace(RolloutPolicy rollout, int targeted, long stalledNow, List<TransitionSample> history, Instant now) {
        Instant horizon = now.minus(policy.memory());
        List<TransitionSample> recent = history.stream()
                .filter(t -> t.finishedAt() != null && t.finishedAt().isAfter(horizon) && !t.finishedAt().isAfter(now))
                .toList();
        // The order only says which trouble came last; with none, sorting every recent transition changes nothing.
        if (recent.stream().anyMatch(t -> t.trouble(policy.slowTransition()) != null)) {
            recent = recent.stream().sorted(Comparator.comparing(TransitionSample::finishedAt).thenComparing(TransitionSample::node)).toList();
        }
        int lastTrouble = -1;
        int troubles = 0;
        for (int i = 0; i < recent.size(); i++) {
            if (recent.get(i).trouble(policy.slowTransition()) != null) {
                lastTrouble = i;
                troubles++;
            }
        }
        int cleanSince = recent.size() - 1 - lastTrouble;
        boolean recovering = lastTrouble >= 0 && cleanSince < policy.recoveryTransitions();
        if (stalledNow == 0 && !recovering) {
            return new EffectivePacing(rollout.concurrencyFor(targeted), rollout.interval(), null, cleanSince);
        }
        Duration interval = slowedInterval(rollout.interval(), Math.max(1, troubles));
        String why = stalledNow > 0
                ? stalledNow + " node(s) stalled in a transition"
                : recent.get(lastTrouble).trouble(policy.slowTransition()) + "; " + cleanSince + "/" + policy.recoveryTransitions()
                        + " clean transitions since";
        String reason = why + ": concurrency 1, interval " + KubeDuration.format(interval);
        return new EffectivePacing(1, interval, reason, cleanSince);
    }

    /** Doubles from max(spec, slowedMinInterval) per trouble, bounded by maxSlowedInterval, never below the spec's. */
    private Duration slowedInterval(Duration specInterval, int troubles) {
        Duration base = specInterval.compareTo(policy.slowedMinInterval()) > 0 ? specInterval : policy.slowedMinInterval();
        Duration grown = base.multipliedBy(1L << Math.min(troubles - 1, MAX_DOUBLINGS));
        Duration bounded = grown.compareTo(policy.maxSlowedInterval()) > 0 ? policy.maxSlowedInterval() : grown;
        return bounded.compareTo(specInterval) < 0 ? specInterval : bounded;
    }
}
