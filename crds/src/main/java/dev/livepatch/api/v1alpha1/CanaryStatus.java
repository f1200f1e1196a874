package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** The canary phase of the current generation's rollout. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CanaryStatus {
    @Size(max = 1000)
    @JsonPropertyDescription("The nodes chosen as canaries, patched first.")
    private List<String> nodes = new ArrayList<>();
    @JsonPropertyDescription("The generation whose canaries completed and paused the rollout; it pauses once per generation.")
    private Long pausedGeneration;

    public List<String> getNodes() { return nodes; }
    public void setNodes(List<String> nodes) { this.nodes = nodes; }
    public Long getPausedGeneration() { return pausedGeneration; }
    public void setPausedGeneration(Long pausedGeneration) { this.pausedGeneration = pausedGeneration; }
}
