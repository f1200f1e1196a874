package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One patch as /sys/kernel/livepatch shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KernelPatch {
    private String name;
    private Boolean enabled;
    private Boolean transition;
    @JsonPropertyDescription("Loaded by this daemon for some NodeLivePatch module; unmanaged patches are reported, never touched.")
    private Boolean managed;
    @JsonPropertyDescription("For managed patches: the module's replaceable flag; for the kernel's hybrid attribute where it exists, its value.")
    private Boolean replaceable;
    private String sha256;
    @JsonPropertyDescription("1 = bottom of the stack. From the kernel where it has stack_order, else as the daemon recorded it.")
    private Integer stackOrder;
    private String loadedAt;

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public Boolean getEnabled() { return enabled; }
    public void setEnabled(Boolean enabled) { this.enabled = enabled; }
    public Boolean getTransition() { return transition; }
    public void setTransition(Boolean transition) { this.transition = transition; }
    public Boolean getManaged() { return managed; }
    public void setManaged(Boolean managed) { this.managed = managed; }
    public Boolean getReplaceable() { return replaceable; }
    public void setReplaceable(Boolean replaceable) { this.replaceable = replaceable; }
    public String getSha256() { return sha256; }
    public void setSha256(String sha256) { this.sha256 = sha256; }
    public Integer getStackOrder() { return stackOrder; }
    public void setStackOrder(Integer stackOrder) { this.stackOrder = stackOrder; }
    public String getLoadedAt() { return loadedAt; }
    public void setLoadedAt(String loadedAt) { this.loadedAt = loadedAt; }
}
