package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Where a staged rollout stands (docs/design.md §6.7). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StepStatus {
    @JsonPropertyDescription("The current step, 1-based; steps + 1 once every step has baked (the remaining nodes follow).")
    private Integer index;
    @JsonPropertyDescription("How many steps the spec has.")
    private Integer steps;
    @JsonPropertyDescription("Nodes this step admits in all (earlier steps included).")
    private Integer nodes;
    @JsonPropertyDescription("Admitting | Baking | Unhealthy | Done")
    private String state;
    @JsonPropertyDescription("RFC 3339 time the bake of this step ends, while Baking.")
    private String bakeEndsAt;

    public Integer getIndex() { return index; }
    public void setIndex(Integer index) { this.index = index; }
    public Integer getSteps() { return steps; }
    public void setSteps(Integer steps) { this.steps = steps; }
    public Integer getNodes() { return nodes; }
    public void setNodes(Integer nodes) { this.nodes = nodes; }
    public String getState() { return state; }
    public void setState(String state) { this.state = state; }
    public String getBakeEndsAt() { return bakeEndsAt; }
    public void setBakeEndsAt(String bakeEndsAt) { this.bakeEndsAt = bakeEndsAt; }
}
