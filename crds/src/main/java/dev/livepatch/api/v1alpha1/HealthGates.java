package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * Health gates a node's daemon watches after it enabled a module, for {@code bake}
 * (docs/design.md §5 rule 13). On a LivePatch the default for its modules; on a node's entry what that
 * node watches (the operator may set another bake, e.g. a rollout step's).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HealthGates {
    @Required
    @Pattern(RolloutSpec.DURATION_PATTERN)
    @ValidationRule(value = "duration(self) >= duration('1s') && duration(self) <= duration('24h')",
            message = "healthGates.bake must be between 1s and 24h", reason = "FieldValueInvalid")
    @JsonPropertyDescription("How long after the patch is enabled the daemon watches the kernel: no oops, BUG:, WARNING:, "
            + "RCU-tasks stall warning or new taint bit (the livepatch, out-of-tree and unsigned-module taints aside).")
    private String bake;

    @Default("Revert")
    @JsonPropertyDescription("When a gate fails: Revert disables the patch (an older version kept loaded through the bake runs again) and "
            + "fails the module with reason HealthGateFailed; Pause leaves it enabled and reports the failure.")
    private OnUnhealthy onUnhealthy = OnUnhealthy.Revert;

    public HealthGates() {}

    public HealthGates(String bake, OnUnhealthy onUnhealthy) {
        this.bake = bake;
        this.onUnhealthy = onUnhealthy;
    }

    public String getBake() { return bake; }
    public void setBake(String bake) { this.bake = bake; }
    public OnUnhealthy getOnUnhealthy() { return onUnhealthy; }
    public void setOnUnhealthy(OnUnhealthy onUnhealthy) { this.onUnhealthy = onUnhealthy; }

    @Override
    public boolean equals(Object o) {
        return o instanceof HealthGates h && Objects.equals(bake, h.bake) && onUnhealthy == h.onUnhealthy;
    }

    @Override
    public int hashCode() { return Objects.hash(bake, onUnhealthy); }
}
