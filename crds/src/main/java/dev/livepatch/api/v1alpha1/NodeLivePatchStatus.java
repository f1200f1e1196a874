package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the node's kernel really shows, written by that node's daemon only (docs/design.md §3.2). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeLivePatchStatus {
    public static final int MAX_LAST_TRANSITIONS = 10;

    @JsonPropertyDescription("The spec generation the daemon last acted on.")
    private Long observedGeneration;
    private String kernelRelease;
    @JsonPropertyDescription("/proc/sys/kernel/random/boot_id: a new value means the node rebooted.")
    private String bootId;
    private KernelCapabilities capabilities;
    @Size(max = 256)
    @JsonPropertyDescription("Every patch in /sys/kernel/livepatch, in stack order (bottom first), managed or not.")
    private List<KernelPatch> patches = new ArrayList<>();
    @Size(max = 256)
    @JsonPropertyDescription("The outcome for each module of spec.modules.")
    private List<ModuleStatus> modules = new ArrayList<>();
    @JsonPropertyDescription("The transition in flight, if any.")
    private Transition transition;
    @Size(max = MAX_LAST_TRANSITIONS)
    private List<TransitionRecord> lastTransitions = new ArrayList<>();
    @Size(max = 256)
    @JsonPropertyDescription("Retired, replaced or reverted modules still loaded, waiting out the rmmod grace period (the daemon's UNLOAD_GRACE).")
    private List<PendingUnload> pendingUnloads = new ArrayList<>();
    @Size(max = 256)
    @JsonPropertyDescription("Functions patched by more than one enabled patch, read from each patch's /sys/kernel/livepatch/<patch>/<object>/<function>,<sympos>.")
    private List<FunctionOverlap> functionOverlaps = new ArrayList<>();
    @Size(max = 256)
    @JsonPropertyDescription("The health watch of each patch enabled with healthGates: Watching during its bake, then Passed or Failed with the lines that failed it.")
    private List<HealthGateStatus> healthGates = new ArrayList<>();
    @JsonPropertyDescription("Ready (kernel matches spec), Progressing, Stalled, Degraded.")
    private List<Condition> conditions = new ArrayList<>();

    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public String getKernelRelease() { return kernelRelease; }
    public void setKernelRelease(String kernelRelease) { this.kernelRelease = kernelRelease; }
    public String getBootId() { return bootId; }
    public void setBootId(String bootId) { this.bootId = bootId; }
    public KernelCapabilities getCapabilities() { return capabilities; }
    public void setCapabilities(KernelCapabilities capabilities) { this.capabilities = capabilities; }
    public List<KernelPatch> getPatches() { return patches; }
    public void setPatches(List<KernelPatch> patches) { this.patches = patches; }
    public List<ModuleStatus> getModules() { return modules; }
    public void setModules(List<ModuleStatus> modules) { this.modules = modules; }
    public Transition getTransition() { return transition; }
    public void setTransition(Transition transition) { this.transition = transition; }
    public List<TransitionRecord> getLastTransitions() { return lastTransitions; }
    public void setLastTransitions(List<TransitionRecord> lastTransitions) { this.lastTransitions = lastTransitions; }
    public List<PendingUnload> getPendingUnloads() { return pendingUnloads; }
    public void setPendingUnloads(List<PendingUnload> pendingUnloads) { this.pendingUnloads = pendingUnloads; }
    public List<FunctionOverlap> getFunctionOverlaps() { return functionOverlaps; }
    public void setFunctionOverlaps(List<FunctionOverlap> functionOverlaps) { this.functionOverlaps = functionOverlaps; }
    public List<HealthGateStatus> getHealthGates() { return healthGates; }
    public void setHealthGates(List<HealthGateStatus> healthGates) { this.healthGates = healthGates; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
}
