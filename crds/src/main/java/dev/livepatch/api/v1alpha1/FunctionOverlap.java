package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A function more than one enabled patch patches: only the top of the kernel's function stack runs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FunctionOverlap {
    @JsonPropertyDescription("The patched function as /sys/kernel/livepatch shows it: <object>/<function>,<sympos> (object vmlinux or a module).")
    private String function;
    @Size(max = 256)
    @JsonPropertyDescription("The enabled patches that patch it, bottom of the stack first; the last one's version runs.")
    private List<String> patches = new ArrayList<>();
    @JsonPropertyDescription("A pinned patch's version is overridden by a replaceable patch above it (accepted by that module's allowFunctionOverlap, "
            + "or not loaded by this daemon's rules).")
    private Boolean pinnedOverridden;

    public FunctionOverlap() {}

    public FunctionOverlap(String function, List<String> patches, boolean pinnedOverridden) {
        this.function = function;
        this.patches = new ArrayList<>(patches);
        this.pinnedOverridden = pinnedOverridden;
    }

    public String getFunction() { return function; }
    public void setFunction(String function) { this.function = function; }
    public List<String> getPatches() { return patches; }
    public void setPatches(List<String> patches) { this.patches = patches; }
    public Boolean getPinnedOverridden() { return pinnedOverridden; }
    public void setPinnedOverridden(Boolean pinnedOverridden) { this.pinnedOverridden = pinnedOverridden; }

    @Override
    public boolean equals(Object o) {
        return o instanceof FunctionOverlap f && Objects.equals(function, f.function) && Objects.equals(patches, f.patches)
                && Objects.equals(pinnedOverridden, f.pinnedOverridden);
    }

    @Override
    public int hashCode() { return Objects.hash(function, patches, pinnedOverridden); }
}
