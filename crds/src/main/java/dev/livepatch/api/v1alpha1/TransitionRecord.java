package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A finished transition, kept in a short history the operator reads for stall-aware pacing. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TransitionRecord {
    private String patch;
    private TransitionDirection direction;
    private Double seconds;
    private TransitionOutcome outcome;
    @JsonPropertyDescription("rcu_tasks_wait_gp warnings the kernel logged during the transition.")
    private Integer rcuStallWarnings;
    private String finishedAt;

    public String getPatch() { return patch; }
    public void setPatch(String patch) { this.patch = patch; }
    public TransitionDirection getDirection() { return direction; }
    public void setDirection(TransitionDirection direction) { this.direction = direction; }
    public Double getSeconds() { return seconds; }
    public void setSeconds(Double seconds) { this.seconds = seconds; }
    public TransitionOutcome getOutcome() { return outcome; }
    public void setOutcome(TransitionOutcome outcome) { this.outcome = outcome; }
    public Integer getRcuStallWarnings() { return rcuStallWarnings; }
    public void setRcuStallWarnings(Integer rcuStallWarnings) { this.rcuStallWarnings = rcuStallWarnings; }
    public String getFinishedAt() { return finishedAt; }
    public void setFinishedAt(String finishedAt) { this.finishedAt = finishedAt; }
}
