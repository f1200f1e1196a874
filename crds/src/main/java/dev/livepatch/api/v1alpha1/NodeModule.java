package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.List;
import java.util.Objects;

/** One desired module on one node, with the LivePatch it came from and that LivePatch's stall policy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeModule {
    @Required
    @Pattern(PatchModule.NAME_PATTERN)
    private String name;
    @Required
    @JsonPropertyDescription("The LivePatch that declares this module.")
    private String livePatch;
    @JsonPropertyDescription("That LivePatch's metadata.generation when the operator wrote this entry.")
    private Long livePatchGeneration;
    @Required
    @Pattern(PatchModule.KERNEL_RELEASE_PATTERN)
    private String kernelRelease;
    @Required
    private Boolean replaceable;
    // Explicit, so that the @JsonIgnore on the isAtomicReplace() convenience does not hide the property.
    @JsonProperty
    private Boolean atomicReplace = false;
    @Required
    private ModuleSource source;
    @Pattern(RolloutSpec.DURATION_PATTERN)
    private String stallTimeout = "120s";
    private OnStall onStall = OnStall.Revert;
    @JsonPropertyDescription("The LivePatch module's allowFunctionOverlap: functions it may patch although a pinned patch patches them too.")
    private List<String> allowFunctionOverlap;
    @JsonPropertyDescription("Verify the module (fetch, sha256, livepatch flag, vermagic, name, atomic replace, function overlaps) and report "
            + "ReadyToApply or the reason; load nothing. The LivePatch's spec.preflight.")
    // Explicit, so that the @JsonIgnore on the isPreflight() convenience does not hide the property.
    @JsonProperty
    private Boolean preflight;
    @JsonPropertyDescription("The health gates this node watches after enabling the module, for healthGates.bake.")
    private HealthGates healthGates;

    public NodeModule() {}

    /** The node's copy of one LivePatch module, carrying that LivePatch's stall policy. */
    public static NodeModule of(String livePatch, Long generation, PatchModule module, RolloutSpec rollout) {
        NodeModule m = new NodeModule();
        m.name = module.getName();
        m.livePatch = livePatch;
        m.livePatchGeneration = generation;
        m.kernelRelease = module.getKernelRelease();
        m.replaceable = module.getReplaceable();
        m.atomicReplace = module.isAtomicReplace();
        m.source = module.getSource();
        m.stallTimeout = rollout.getStallTimeout();
        m.onStall = rollout.getOnStall();
        m.allowFunctionOverlap = module.getAllowFunctionOverlap() == null ? null : List.copyOf(module.getAllowFunctionOverlap());
        return m;
    }

    /** The node's copy of one LivePatch module with that LivePatch's stall policy, preflight flag and health gates. */
    public static NodeModule of(String livePatch, Long generation, PatchModule module, LivePatchSpec spec) {
        NodeModule m = of(livePatch, generation, module, spec.getRollout());
        m.preflight = spec.isPreflight() ? Boolean.TRUE : null;
        m.healthGates = spec.getHealthGates() == null ? null : new HealthGates(spec.getHealthGates().getBake(), spec.getHealthGates().getOnUnhealthy());
        return m;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getLivePatch() { return livePatch; }
    public void setLivePatch(String livePatch) { this.livePatch = livePatch; }
    public Long getLivePatchGeneration() { return livePatchGeneration; }
    public void setLivePatchGeneration(Long livePatchGeneration) { this.livePatchGeneration = livePatchGeneration; }
    public String getKernelRelease() { return kernelRelease; }
    public void setKernelRelease(String kernelRelease) { this.kernelRelease = kernelRelease; }
    public Boolean getReplaceable() { return replaceable; }
    public void setReplaceable(Boolean replaceable) { this.replaceable = replaceable; }
    public Boolean getAtomicReplace() { return atomicReplace; }
    public void setAtomicReplace(Boolean atomicReplace) { this.atomicReplace = atomicReplace; }
    public ModuleSource getSource() { return source; }
    public void setSource(ModuleSource source) { this.source = source; }
    public String getStallTimeout() { return stallTimeout; }
    public void setStallTimeout(String stallTimeout) { this.stallTimeout = stallTimeout; }
    public OnStall getOnStall() { return onStall; }
    public void setOnStall(OnStall onStall) { this.onStall = onStall; }
    public List<String> getAllowFunctionOverlap() { return allowFunctionOverlap; }
    public void setAllowFunctionOverlap(List<String> allowFunctionOverlap) { this.allowFunctionOverlap = allowFunctionOverlap; }

    public Boolean getPreflight() { return preflight; }
    public void setPreflight(Boolean preflight) { this.preflight = preflight; }
    public HealthGates getHealthGates() { return healthGates; }
    public void setHealthGates(HealthGates healthGates) { this.healthGates = healthGates; }

    @JsonIgnore
    public boolean isPreflight() { return Boolean.TRUE.equals(preflight); }

    /** Whether the module may override a pinned patch's version of {@code function} (a name as the kernel shows it). */
    public boolean allowsOverlap(String function) { return allowFunctionOverlap != null && allowFunctionOverlap.contains(function); }

    @JsonIgnore
    public boolean isPinned() { return !Boolean.TRUE.equals(replaceable); }
    @JsonIgnore
    public boolean isAtomicReplace() { return Boolean.TRUE.equals(atomicReplace); }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeModule m && Objects.equals(name, m.name) && Objects.equals(livePatch, m.livePatch)
                && Objects.equals(livePatchGeneration, m.livePatchGeneration) && Objects.equals(kernelRelease, m.kernelRelease)
                && Objects.equals(replaceable, m.replaceable) && Objects.equals(atomicReplace, m.atomicReplace)
                && Objects.equals(source, m.source) && Objects.equals(stallTimeout, m.stallTimeout) && onStall == m.onStall
                && Objects.equals(allowFunctionOverlap, m.allowFunctionOverlap) && Objects.equals(preflight, m.preflight)
                && Objects.equals(healthGates, m.healthGates);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, livePatch, livePatchGeneration, kernelRelease, replaceable, atomicReplace, source, stallTimeout, onStall,
                allowFunctionOverlap, preflight, healthGates);
    }
}
