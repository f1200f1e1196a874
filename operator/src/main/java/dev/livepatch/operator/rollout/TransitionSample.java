package dev.livepatch.operator.rollout;

import dev.livepatch.api.v1alpha1.TransitionOutcome;
import java.time.Duration;
import java.time.Instant;

/** One finished kernel transition a node reported in {@code status.lastTransitions}. */
public record TransitionSample(String node, Instant finishedAt, double seconds, TransitionOutcome outcome, int rcuStallWarnings) {

    /** Why this transition is a sign of trouble, or null when it was clean. */
    public String trouble(Duration slowTransition) {
        if (outcome == TransitionOutcome.Reverted || outcome == TransitionOutcome.CompletedAfterStall) {
            return "a transition on " + node + " stalled (" + outcome + ")";
        }
        if (outcome == TransitionOutcome.Failed) {
            return "a transition on " + node + " failed";
        }
        if (rcuStallWarnings > 0) {
            return "node " + node + " logged " + rcuStallWarnings + " RCU-tasks stall warning(s) during a transition";
        }
        if (seconds * 1000 > slowTransition.toMillis()) {
            return "a transition on " + node + " took " + Math.round(seconds) + "s (slow above " + slowTransition.toSeconds() + "s)";
        }
        return null;
    }
}
