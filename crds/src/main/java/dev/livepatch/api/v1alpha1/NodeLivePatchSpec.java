package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** The node's desired patch set D, in load order. Written by the operator only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeLivePatchSpec {
    @Size(max = 256)
    @JsonPropertyDescription("The desired modules, in load order. A managed patch loaded on the node and absent here is retired.")
    private List<NodeModule> modules = new ArrayList<>();

    @Size(max = 256)
    @JsonPropertyDescription("Patch names released by a LivePatch deleted with removalPolicy Retain: the daemon leaves them loaded and stops managing them. Desired modules win over this list.")
    private List<String> retained = new ArrayList<>();

    public NodeLivePatchSpec() {}

    public NodeLivePatchSpec(List<NodeModule> modules) { this.modules = modules; }

    public List<NodeModule> getModules() { return modules; }
    public void setModules(List<NodeModule> modules) { this.modules = modules; }
    public List<String> getRetained() { return retained; }
    public void setRetained(List<String> retained) { this.retained = retained; }
}
