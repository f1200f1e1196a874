package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * Written by the operator only (docs/design.md §3.1). Counts and at most {@value #MAX_FAILURES} failures,
 * never a per-node list: the object stays small at 5,000 nodes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LivePatchStatus {
    public static final int MAX_FAILURES = 20;

    private Long observedGeneration;
    @JsonPropertyDescription("Progressing | Paused | Stalled | Complete | Invalid | Deleting")
    private LivePatchPhase phase;
    @JsonPropertyDescription("kstatus conditions: Ready, Reconciling, Stalled, and Paused when paused.")
    private List<Condition> conditions = new ArrayList<>();
    private Integer targetNodes;
    private Integer updatedNodes;
    private Integer inProgressNodes;
    private Integer pendingNodes;
    private Integer failedNodes;
    private Integer stalledNodes;
    @JsonPropertyDescription("Selected nodes whose kernel release matches no module.")
    private Integer notApplicableNodes;
    @JsonPropertyDescription("Targeted nodes held by an older LivePatch that claims the same module (reason Conflict).")
    private Integer conflictingNodes;
    @JsonPropertyDescription("One line for humans, such as '37/40 updated, 1 stalled'.")
    private String summary;
    @Size(max = MAX_FAILURES)
    private List<NodeFailure> failures = new ArrayList<>();
    private Pacing pacing;
    private CanaryStatus canary;
    @JsonPropertyDescription("While spec.preflight is true: how many targeted nodes are ready to apply, not ready, or yet to report.")
    private PreflightStatus preflight;
    private RetryStatus retry;
    @JsonPropertyDescription("The maintenance window in force or the next to open; absent without rollout.windows.")
    private WindowStatus window;
    @JsonPropertyDescription("The step of a staged rollout; absent without rollout.steps.")
    private StepStatus step;
    @JsonPropertyDescription("True while rollout.emergency is in force: its own concurrency, no windows, steps or bake times.")
    private Boolean emergency;

    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public LivePatchPhase getPhase() { return phase; }
    public void setPhase(LivePatchPhase phase) { this.phase = phase; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
    public Integer getTargetNodes() { return targetNodes; }
    public void setTargetNodes(Integer targetNodes) { this.targetNodes = targetNodes; }
    public Integer getUpdatedNodes() { return updatedNodes; }
    public void setUpdatedNodes(Integer updatedNodes) { this.updatedNodes = updatedNodes; }
    public Integer getInProgressNodes() { return inProgressNodes; }
    public void setInProgressNodes(Integer inProgressNodes) { this.inProgressNodes = inProgressNodes; }
    public Integer getPendingNodes() { return pendingNodes; }
    public void setPendingNodes(Integer pendingNodes) { this.pendingNodes = pendingNodes; }
    public Integer getFailedNodes() { return failedNodes; }
    public void setFailedNodes(Integer failedNodes) { this.failedNodes = failedNodes; }
    public Integer getStalledNodes() { return stalledNodes; }
    public void setStalledNodes(Integer stalledNodes) { this.stalledNodes = stalledNodes; }
    public Integer getNotApplicableNodes() { return notApplicableNodes; }
    public void setNotApplicableNodes(Integer notApplicableNodes) { this.notApplicableNodes = notApplicableNodes; }
    public Integer getConflictingNodes() { return conflictingNodes; }
    public void setConflictingNodes(Integer conflictingNodes) { this.conflictingNodes = conflictingNodes; }
    public String getSummary() { return summary; }
    public void setSummary(String summary) { this.summary = summary; }
    public List<NodeFailure> getFailures() { return failures; }
    public void setFailures(List<NodeFailure> failures) { this.failures = failures; }
    public Pacing getPacing() { return pacing; }
    public void setPacing(Pacing pacing) { this.pacing = pacing; }
    public PreflightStatus getPreflight() { return preflight; }
    public void setPreflight(PreflightStatus preflight) { this.preflight = preflight; }
    public CanaryStatus getCanary() { return canary; }
    public void setCanary(CanaryStatus canary) { this.canary = canary; }
    public RetryStatus getRetry() { return retry; }
    public void setRetry(RetryStatus retry) { this.retry = retry; }
    public WindowStatus getWindow() { return window; }
    public void setWindow(WindowStatus window) { this.window = window; }
    public StepStatus getStep() { return step; }
    public void setStep(StepStatus step) { this.step = step; }
    public Boolean getEmergency() { return emergency; }
    public void setEmergency(Boolean emergency) { this.emergency = emergency; }
}
