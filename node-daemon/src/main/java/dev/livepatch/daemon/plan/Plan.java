package dev.livepatch.daemon.plan;

import java.util.List;
import java.util.Optional;

/**
 * Ordered steps to take, and the desired modules that will not be loaded now.
 *
 * @param heldRetirements managed patches D no longer names whose retirement waits, by patch name
 * @param refusals modules refused ({@code failed}: Failed until their spec entry changes) or held back
 *                 for now ({@code !failed}: Pending, with the reason in the message)
 */
public record Plan(List<Step> steps, List<Refusal> refusals, List<Refusal> heldRetirements) {
    public Plan {
        steps = List.copyOf(steps);
        refusals = List.copyOf(refusals);
        heldRetirements = List.copyOf(heldRetirements);
    }

    public Optional<Step> next() { return steps.stream().findFirst(); }

    public Optional<Refusal> refusal(String module) { return refusals.stream().filter(r -> r.module().equals(module)).findFirst(); }

    public record Refusal(String module, String reason, String message, boolean failed) {}
}
