package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The outcome of spec.preflight across the targeted nodes, counted by the operator from each node's module reasons. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PreflightStatus {
    @JsonPropertyDescription("Nodes where every module of this LivePatch is ReadyToApply (or already enabled).")
    private Integer readyNodes;
    @JsonPropertyDescription("Nodes where a module failed a check; status.failures names them and the reason.")
    private Integer notReadyNodes;
    @JsonPropertyDescription("Nodes whose daemon has not reported an outcome yet.")
    private Integer pendingNodes;
    @JsonPropertyDescription("One line: '3 ready, 1 not ready, 0 pending'.")
    private String summary;

    public PreflightStatus() {}

    public PreflightStatus(int readyNodes, int notReadyNodes, int pendingNodes) {
        this.readyNodes = readyNodes;
        this.notReadyNodes = notReadyNodes;
        this.pendingNodes = pendingNodes;
        this.summary = readyNodes + " ready, " + notReadyNodes + " not ready, " + pendingNodes + " pending";
    }

    public Integer getReadyNodes() { return readyNodes; }
    public void setReadyNodes(Integer readyNodes) { this.readyNodes = readyNodes; }
    public Integer getNotReadyNodes() { return notReadyNodes; }
    public void setNotReadyNodes(Integer notReadyNodes) { this.notReadyNodes = notReadyNodes; }
    public Integer getPendingNodes() { return pendingNodes; }
    public void setPendingNodes(Integer pendingNodes) { this.pendingNodes = pendingNodes; }
    public String getSummary() { return summary; }
    public void setSummary(String summary) { this.summary = summary; }
}
