package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.List;

/** Pacing of a rollout across the targeted nodes (docs/design.md §3.1, §6.2). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.steps) || size(self.steps) == 0 || !has(self.canaryNodes) || self.canaryNodes == 0",
        message = "set canaryNodes or steps, not both: canaryNodes N is the step [{nodes: N}] followed by a pause; with steps, use a bake time"
                + " (or paused: true) instead", reason = "FieldValueForbidden")
@ValidationRule(value = "!has(self.emergencyMaxConcurrent) || !has(self.maxConcurrent) || type(self.emergencyMaxConcurrent) != int"
        + " || type(self.maxConcurrent) != int || self.emergencyMaxConcurrent >= self.maxConcurrent",
        message = "emergencyMaxConcurrent must be at least maxConcurrent: an emergency roll-off is never slower than the rollout", reason = "FieldValueInvalid")
public class RolloutSpec {
    /** Go-style durations as Kubernetes writes them: 30s, 1m30s, 500ms, 2h. */
    public static final String DURATION_PATTERN = "^([0-9]{1,6}(ms|s|m|h))+$";
    public static final String PERCENT_1_TO_100 = "^([1-9][0-9]?|100)%$";

    @Default("1")
    @ValidationRule(value = "type(self) == int ? self >= 1 : self.matches('" + PERCENT_1_TO_100 + "')",
            message = "maxConcurrent must be an integer >= 1 or a percentage from 1% to 100%", reason = "FieldValueInvalid")
    @JsonPropertyDescription("Nodes in a kernel transition at once: an integer, or a percentage of the targeted nodes (rounded up, at least 1).")
    private IntOrString maxConcurrent = new IntOrString(1);

    @Default("30s")
    @Pattern(DURATION_PATTERN)
    @ValidationRule(value = "duration(self) <= duration('24h')", message = "interval must be at most 24h", reason = "FieldValueInvalid")
    @JsonPropertyDescription("Least time between admitting two nodes.")
    private String interval = "30s";

    @Default("60s")
    @Pattern(DURATION_PATTERN)
    @ValidationRule(value = "duration(self) <= duration('24h')", message = "nodeCooldown must be at most 24h", reason = "FieldValueInvalid")
    @JsonPropertyDescription("Least time between two transitions on one node.")
    private String nodeCooldown = "60s";

    @Default("120s")
    @Pattern(DURATION_PATTERN)
    @ValidationRule(value = "duration(self) >= duration('1s') && duration(self) <= duration('24h')",
            message = "stallTimeout must be between 1s and 24h", reason = "FieldValueInvalid")
    @JsonPropertyDescription("A transition longer than this is stalled.")
    private String stallTimeout = "120s";

    @Default("10m")
    @Pattern(DURATION_PATTERN)
    @ValidationRule(value = "duration(self) >= duration('1s') && duration(self) <= duration('24h')",
            message = "progressDeadline must be between 1s and 24h", reason = "FieldValueInvalid")
    @JsonPropertyDescription("An admitted node whose daemon reports no progress for this long is failed with reason NodeUnresponsive"
            + " (counted against maxFailedNodes); it keeps its slot until its daemon reports an idle kernel.")
    private String progressDeadline = "10m";

    @Size(max = 253)
    @JsonPropertyDescription("Set to a new value to admit the rollout's failed nodes again with the same modules"
            + " (each node's daemon retries a failed module once its entry changes); any string, e.g. a date.")
    private String retryFailed;

    @Default("Revert")
    @JsonPropertyDescription("On a stall: Revert reverses the transition and marks the node Failed; Wait keeps waiting.")
    private OnStall onStall = OnStall.Revert;

    @Default("0")
    @ValidationRule(value = "type(self) == int ? self >= 0 : self.matches('" + PERCENT_1_TO_100 + "')",
            message = "maxFailedNodes must be an integer >= 0 or a percentage from 1% to 100%", reason = "FieldValueInvalid")
    @JsonPropertyDescription("Failed plus stalled nodes tolerated before the rollout pauses itself: an integer or a percentage of the targeted nodes (rounded down).")
    private IntOrString maxFailedNodes = new IntOrString(0);

    @Default("0")
    @Min(0)
    @Max(1000)
    @JsonPropertyDescription("Nodes patched first; when they are updated the operator sets paused: true, and the rollout goes on once paused is false again.")
    private Integer canaryNodes = 0;

    @Default("false")
    @JsonPropertyDescription("Admit no more nodes; transitions already admitted finish.")
    // Explicit, so that the @JsonIgnore on the isPaused() convenience does not hide the property.
    @JsonProperty
    private Boolean paused = false;

    @Size(max = 16)
    @JsonPropertyDescription("Weekly maintenance windows: outside every one no node is admitted (transitions already running finish). Empty: always open.")
    private List<MaintenanceWindow> windows;

    @Size(max = 20)
    @JsonPropertyDescription("Staged rollout: each step admits up to its nodes (cumulative), then waits until they are updated, none failed,"
            + " and its bake time has passed. After the last step the remaining nodes follow. Not together with canaryNodes.")
    private List<RolloutStep> steps;

    @Default("false")
    @JsonPropertyDescription("Roll out (or off) fast: emergencyMaxConcurrent nodes at once, no interval, ignoring windows, steps and their bake"
            + " times, and the canary pause. paused, nodeCooldown, maxFailedNodes and the stall-aware slow-down still apply.")
    @JsonProperty
    private Boolean emergency = false;

    @Default("25%")
    @ValidationRule(value = "type(self) == int ? self >= 1 : self.matches('" + PERCENT_1_TO_100 + "')",
            message = "emergencyMaxConcurrent must be an integer >= 1 or a percentage from 1% to 100%", reason = "FieldValueInvalid")
    @JsonPropertyDescription("Nodes in a kernel transition at once while emergency is true: an integer or a percentage (rounded up), at least maxConcurrent.")
    private IntOrString emergencyMaxConcurrent = new IntOrString("25%");

    public List<MaintenanceWindow> getWindows() { return windows; }
    public void setWindows(List<MaintenanceWindow> windows) { this.windows = windows; }
    public List<RolloutStep> getSteps() { return steps; }
    public void setSteps(List<RolloutStep> steps) { this.steps = steps; }
    public Boolean getEmergency() { return emergency; }
    public void setEmergency(Boolean emergency) { this.emergency = emergency; }
    public IntOrString getEmergencyMaxConcurrent() { return emergencyMaxConcurrent; }
    public void setEmergencyMaxConcurrent(IntOrString emergencyMaxConcurrent) { this.emergencyMaxConcurrent = emergencyMaxConcurrent; }

    @JsonIgnore
    public boolean isEmergency() { return Boolean.TRUE.equals(emergency); }

    public IntOrString getMaxConcurrent() { return maxConcurrent; }
    public void setMaxConcurrent(IntOrString maxConcurrent) { this.maxConcurrent = maxConcurrent; }
    public String getInterval() { return interval; }
    public void setInterval(String interval) { this.interval = interval; }
    public String getNodeCooldown() { return nodeCooldown; }
    public void setNodeCooldown(String nodeCooldown) { this.nodeCooldown = nodeCooldown; }
    public String getStallTimeout() { return stallTimeout; }
    public void setStallTimeout(String stallTimeout) { this.stallTimeout = stallTimeout; }
    public String getProgressDeadline() { return progressDeadline; }
    public void setProgressDeadline(String progressDeadline) { this.progressDeadline = progressDeadline; }
    public String getRetryFailed() { return retryFailed; }
    public void setRetryFailed(String retryFailed) { this.retryFailed = retryFailed; }
    public OnStall getOnStall() { return onStall; }
    public void setOnStall(OnStall onStall) { this.onStall = onStall; }
    public IntOrString getMaxFailedNodes() { return maxFailedNodes; }
    public void setMaxFailedNodes(IntOrString maxFailedNodes) { this.maxFailedNodes = maxFailedNodes; }
    public Integer getCanaryNodes() { return canaryNodes; }
    public void setCanaryNodes(Integer canaryNodes) { this.canaryNodes = canaryNodes; }
    public Boolean getPaused() { return paused; }
    public void setPaused(Boolean paused) { this.paused = paused; }

    @JsonIgnore
    public boolean isPaused() { return Boolean.TRUE.equals(paused); }
}
