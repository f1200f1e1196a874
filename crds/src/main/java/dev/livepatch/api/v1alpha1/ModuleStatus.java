package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The daemon's outcome for one desired module. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModuleStatus {
    private String name;
    @JsonPropertyDescription("The LivePatch that declared it.")
    private String livePatch;
    private ModuleState state;
    @JsonPropertyDescription("Machine-readable cause, one of NodeReasons (e.g. ChecksumMismatch, HybridUnsupported, StallReverted).")
    private String reason;
    private String message;
    private String since;

    public ModuleStatus() {}

    public ModuleStatus(String name, String livePatch, ModuleState state, String reason, String message, String since) {
        this.name = name;
        this.livePatch = livePatch;
        this.state = state;
        this.reason = reason;
        this.message = message;
        this.since = since;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getLivePatch() { return livePatch; }
    public void setLivePatch(String livePatch) { this.livePatch = livePatch; }
    public ModuleState getState() { return state; }
    public void setState(ModuleState state) { this.state = state; }
    public String getReason() { return reason; }
    public void setReason(String reason) { this.reason = reason; }
    public String getMessage() { return message; }
    public void setMessage(String message) { this.message = message; }
    public String getSince() { return since; }
    public void setSince(String since) { this.since = since; }
}
