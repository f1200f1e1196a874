package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

/**
 * One stage of a staged rollout (docs/design.md §6.7): admit until {@code nodes} targeted nodes are
 * admitted in all (cumulative), then wait for them to be updated and {@code bake} to pass.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RolloutStep {
    // No CEL rule here: over up to 20 steps the API server's cost estimate of a regex on an
    // int-or-string (no maxLength) exceeds its budget; LivePatchValidator checks the value.
    @Required
    @JsonPropertyDescription("Nodes admitted by the end of this step, counting earlier steps: an integer, or a percentage of the targeted nodes (rounded up).")
    private IntOrString nodes;

    @Pattern(RolloutSpec.DURATION_PATTERN)
    @Size(max = 32)
    @ValidationRule(value = "duration(self) <= duration('24h')", message = "a step's bake must be at most 24h", reason = "FieldValueInvalid")
    @JsonPropertyDescription("How long the step's nodes run updated, with no node failed, before the next step starts (default 0s).")
    private String bake;

    public RolloutStep() {}

    public RolloutStep(IntOrString nodes, String bake) {
        this.nodes = nodes;
        this.bake = bake;
    }

    public IntOrString getNodes() { return nodes; }
    public void setNodes(IntOrString nodes) { this.nodes = nodes; }
    public String getBake() { return bake; }
    public void setBake(String bake) { this.bake = bake; }
}
