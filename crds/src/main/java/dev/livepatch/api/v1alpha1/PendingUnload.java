package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A retired or replaced module still loaded, to be rmmod'ed after its grace period. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PendingUnload {
    private String module;
    private String since;
    private String unloadAfter;

    public PendingUnload() {}

    public PendingUnload(String module, String since, String unloadAfter) {
        this.module = module;
        this.since = since;
        this.unloadAfter = unloadAfter;
    }

    public String getModule() { return module; }
    public void setModule(String module) { this.module = module; }
    public String getSince() { return since; }
    public void setSince(String since) { this.since = since; }
    public String getUnloadAfter() { return unloadAfter; }
    public void setUnloadAfter(String unloadAfter) { this.unloadAfter = unloadAfter; }
}
