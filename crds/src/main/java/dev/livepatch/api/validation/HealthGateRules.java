package dev.livepatch.api.validation;

import dev.livepatch.api.v1alpha1.HealthGates;
import java.time.Duration;
import java.util.List;

/** The rules of {@code spec.healthGates}: a bake time from 1s to 24h. */
final class HealthGateRules {
    private static final Duration MIN_BAKE = Duration.ofSeconds(1);

    private HealthGateRules() {}

    static void validate(HealthGates gates, List<Violation> out) {
        if (gates == null) {
            return;
        }
        if (gates.getBake() == null) {
            out.add(new Violation("spec.healthGates.bake", "is required: how long each node watches its kernel after enabling a module, e.g. 10m"));
            return;
        }
        RolloutRules.validateDuration(gates.getBake(), MIN_BAKE, "spec.healthGates.bake", out);
    }
}
