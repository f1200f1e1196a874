package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** What the node's kernel livepatch interface offers, probed from sysfs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KernelCapabilities {
    @JsonPropertyDescription("/sys/kernel/livepatch exists.")
    private Boolean livepatch;
    @JsonPropertyDescription("Patches show a 'replace' attribute (6.11+).")
    private Boolean replaceAttr;
    @JsonPropertyDescription("Patches show a 'stack_order' attribute (6.14+).")
    private Boolean stackOrderAttr;
    @JsonPropertyDescription("Patches show the proposed hybrid 'replaceable' attribute.")
    private Boolean hybridAttr;

    public KernelCapabilities() {}

    public KernelCapabilities(boolean livepatch, boolean replaceAttr, boolean stackOrderAttr, boolean hybridAttr) {
        this.livepatch = livepatch;
        this.replaceAttr = replaceAttr;
        this.stackOrderAttr = stackOrderAttr;
        this.hybridAttr = hybridAttr;
    }

    public Boolean getLivepatch() { return livepatch; }
    public void setLivepatch(Boolean livepatch) { this.livepatch = livepatch; }
    public Boolean getReplaceAttr() { return replaceAttr; }
    public void setReplaceAttr(Boolean replaceAttr) { this.replaceAttr = replaceAttr; }
    public Boolean getStackOrderAttr() { return stackOrderAttr; }
    public void setStackOrderAttr(Boolean stackOrderAttr) { this.stackOrderAttr = stackOrderAttr; }
    public Boolean getHybridAttr() { return hybridAttr; }
    public void setHybridAttr(Boolean hybridAttr) { this.hybridAttr = hybridAttr; }

    @Override
    public boolean equals(Object o) {
        return o instanceof KernelCapabilities c && Objects.equals(livepatch, c.livepatch) && Objects.equals(replaceAttr, c.replaceAttr)
                && Objects.equals(stackOrderAttr, c.stackOrderAttr) && Objects.equals(hybridAttr, c.hybridAttr);
    }

    @Override
    public int hashCode() { return Objects.hash(livepatch, replaceAttr, stackOrderAttr, hybridAttr); }
}
