package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.modules.all(m, self.modules.filter(n, n.name == m.name && n.kernelRelease == m.kernelRelease).size() == 1)",
        message = "module names must be unique per kernelRelease within a LivePatch",
        // Not FieldValueDuplicate: the API server prints that reason as 'Duplicate value: "object"' and drops the message.
        reason = "FieldValueInvalid")
@ValidationRule(
        value = "self.modules.all(m, !m.atomicReplace || self.modules.all(n, n.kernelRelease != m.kernelRelease || n.name == m.name || !n.replaceable))",
        message = "an atomicReplace module supersedes every replaceable module of its kernelRelease: declare at most one, and no other replaceable module for that kernelRelease",
        reason = "FieldValueForbidden")
public class LivePatchSpec {

    @JsonPropertyDescription("Nodes to patch. Empty selects every Linux node; a node is targeted only when some module's kernelRelease equals its kernel version.")
    private LabelSelector nodeSelector;

    @Required
    @Size(min = 1, max = 64)
    @JsonPropertyDescription("The livepatch modules, in load order.")
    private List<PatchModule> modules = new ArrayList<>();

    @Default("{}")
    @JsonPropertyDescription("How fast the modules roll out across the targeted nodes.")
    private RolloutSpec rollout = new RolloutSpec();

    @Default("Unload")
    @JsonPropertyDescription("On deletion: Unload rolls the modules off the nodes with the rollout's pacing; Retain leaves the kernels patched.")
    private RemovalPolicy removalPolicy = RemovalPolicy.Unload;

    @Default("false")
    @JsonPropertyDescription("Every targeted node fetches and verifies each module (sha256, livepatch flag, vermagic, name, atomic replace, "
            + "function overlaps) and reports ReadyToApply or the reason, loading nothing; status.preflight counts the outcome. "
            + "Setting it back to false starts the rollout.")
    // Explicit, so that the @JsonIgnore on the isPreflight() convenience does not hide the property.
    @JsonProperty
    private Boolean preflight = false;

    @JsonPropertyDescription("Health gates each node's daemon watches after enabling a module of this LivePatch, for their bake time.")
    private HealthGates healthGates;

    public LabelSelector getNodeSelector() { return nodeSelector; }
    public void setNodeSelector(LabelSelector nodeSelector) { this.nodeSelector = nodeSelector; }
    public List<PatchModule> getModules() { return modules; }
    public void setModules(List<PatchModule> modules) { this.modules = modules; }
    public RolloutSpec getRollout() { return rollout; }
    public void setRollout(RolloutSpec rollout) { this.rollout = rollout; }
    public Boolean getPreflight() { return preflight; }
    public void setPreflight(Boolean preflight) { this.preflight = preflight; }
    @JsonIgnore
    public boolean isPreflight() { return Boolean.TRUE.equals(preflight); }
    public HealthGates getHealthGates() { return healthGates; }
    public void setHealthGates(HealthGates healthGates) { this.healthGates = healthGates; }
    public RemovalPolicy getRemovalPolicy() { return removalPolicy; }
    public void setRemovalPolicy(RemovalPolicy removalPolicy) { this.removalPolicy = removalPolicy; }
}
