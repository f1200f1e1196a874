package dev.livepatch.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * kstatus conditions, built fresh each reconcile; a condition whose status did not change keeps
 * its lastTransitionTime, so that an unchanged status is an unchanged object (and no write).
 */
final class Conditions {
    static final String READY = "Ready";
    static final String RECONCILING = "Reconciling";
    static final String STALLED = "Stalled";
    static final String PAUSED = "Paused";

    private final List<Condition> previous;
    private final long generation;
    private final Instant now;
    private final List<Condition> out = new ArrayList<>();

    Conditions(List<Condition> previous, long generation, Instant now) {
        this.previous = previous == null ? List.of() : previous;
        this.generation = generation;
        this.now = now;
    }

    Conditions set(String type, boolean status, String reason, String message) {
        String s = status ? "True" : "False";
        String since = previous.stream().filter(c -> type.equals(c.getType()) && s.equals(c.getStatus()))
                .map(Condition::getLastTransitionTime).filter(Objects::nonNull).findFirst().orElse(now.toString());
        out.add(new ConditionBuilder().withType(type).withStatus(s).withReason(reason).withMessage(message)
                .withObservedGeneration(generation).withLastTransitionTime(since).build());
        return this;
    }

    List<Condition> build() {
        return List.copyOf(out);
    }
}
