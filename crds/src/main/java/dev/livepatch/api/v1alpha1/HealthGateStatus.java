package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** One patch's health watch on its node, as the daemon reports it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HealthGateStatus {
    public static final int MAX_LINES = 10;
    public static final int MAX_LINE_CHARS = 256;

    private String patch;
    private String livePatch;
    private HealthGateState state;
    private OnUnhealthy onUnhealthy;
    @JsonPropertyDescription("When the bake ends (set once the patch is enabled and out of transition).")
    private String bakeUntil;
    @JsonPropertyDescription("When the state was entered.")
    private String since;
    @Size(max = MAX_LINES)
    @JsonPropertyDescription("The kernel log lines (and taint changes) that failed a gate, first ones first, each at most 256 characters.")
    private List<String> lines = new ArrayList<>();

    public String getPatch() { return patch; }
    public void setPatch(String patch) { this.patch = patch; }
    public String getLivePatch() { return livePatch; }
    public void setLivePatch(String livePatch) { this.livePatch = livePatch; }
    public HealthGateState getState() { return state; }
    public void setState(HealthGateState state) { this.state = state; }
    public OnUnhealthy getOnUnhealthy() { return onUnhealthy; }
    public void setOnUnhealthy(OnUnhealthy onUnhealthy) { this.onUnhealthy = onUnhealthy; }
    public String getBakeUntil() { return bakeUntil; }
    public void setBakeUntil(String bakeUntil) { this.bakeUntil = bakeUntil; }
    public String getSince() { return since; }
    public void setSince(String since) { this.since = since; }
    public List<String> getLines() { return lines; }
    public void setLines(List<String> lines) { this.lines = lines; }
}
