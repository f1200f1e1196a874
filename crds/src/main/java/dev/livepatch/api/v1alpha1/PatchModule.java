package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/** One livepatch module: what it is called in the kernel, which kernel it is for, where it comes from. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.replaceable || !self.atomicReplace",
        message = "a pinned module (replaceable: false) cannot be atomicReplace: it would sweep every other patch; build it without atomic replace (kpatch-build --non-replace) or mark it replaceable",
        reason = "FieldValueInvalid")
@ValidationRule(
        value = "self.replaceable || !has(self.allowFunctionOverlap) || size(self.allowFunctionOverlap) == 0",
        message = "allowFunctionOverlap is for replaceable modules: a pinned module loaded later overrides the functions it shares anyway; remove allowFunctionOverlap or mark the module replaceable",
        reason = "FieldValueInvalid")
public class PatchModule {
    public static final String NAME_PATTERN = "^[a-z0-9_]{1,55}$";
    /** A patched function's name as the kernel's livepatch sysfs shows it (a C identifier, GCC suffixes such as {@code .isra.0} included). */
    public static final String FUNCTION_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_.]{0,127}$";
    public static final int MAX_ALLOWED_OVERLAPS = 64;
    public static final String KERNEL_RELEASE_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}$";

    @Required
    @Pattern(NAME_PATTERN)
    @Size(max = 55)
    @JsonPropertyDescription("The patch's name in /sys/kernel/livepatch, which is its module name with '-' as '_'.")
    private String name;

    @Required
    @Pattern(KERNEL_RELEASE_PATTERN)
    @Size(max = 64)
    @JsonPropertyDescription("The exact kernel release (uname -r) the module was built for.")
    private String kernelRelease;

    @Required
    @JsonPropertyDescription("true: part of the cumulative set that an atomic-replace module may supersede; false: pinned, survives every replacement.")
    private Boolean replaceable;

    @Default("false")
    @JsonPropertyDescription("The module was built with atomic replace (klp_patch.replace = true, the kpatch-build default).")
    // Explicit, so that the @JsonIgnore on the isAtomicReplace() convenience does not hide the property.
    @JsonProperty
    private Boolean atomicReplace = false;

    @Required
    @JsonPropertyDescription("Where the module file comes from, and its sha256.")
    private ModuleSource source;

    @Size(max = MAX_ALLOWED_OVERLAPS)
    @JsonPropertyDescription("Functions this replaceable module may patch although a pinned patch on the node patches them too; its version "
            + "then overrides the pinned one while both are loaded. Without an entry such a module is refused (FunctionOverlap).")
    private List<@Pattern(FUNCTION_NAME_PATTERN) @Size(max = 128) String> allowFunctionOverlap;

    public PatchModule() {}

    public PatchModule(String name, String kernelRelease, boolean replaceable, boolean atomicReplace, ModuleSource source) {
        this.name = name;
        this.kernelRelease = kernelRelease;
        this.replaceable = replaceable;
        this.atomicReplace = atomicReplace;
        this.source = source;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getKernelRelease() { return kernelRelease; }
    public void setKernelRelease(String kernelRelease) { this.kernelRelease = kernelRelease; }
    public Boolean getReplaceable() { return replaceable; }
    public void setReplaceable(Boolean replaceable) { this.replaceable = replaceable; }
    public Boolean getAtomicReplace() { return atomicReplace; }
    public void setAtomicReplace(Boolean atomicReplace) { this.atomicReplace = atomicReplace; }
    public ModuleSource getSource() { return source; }
    public void setSource(ModuleSource source) { this.source = source; }
    public List<String> getAllowFunctionOverlap() { return allowFunctionOverlap; }
    public void setAllowFunctionOverlap(List<String> allowFunctionOverlap) { this.allowFunctionOverlap = allowFunctionOverlap; }

    /** Pinned means not replaceable; null (only possible before schema defaulting) counts as pinned, the safe side. */
    @JsonIgnore
    public boolean isPinned() { return !Boolean.TRUE.equals(replaceable); }
    @JsonIgnore
    public boolean isAtomicReplace() { return Boolean.TRUE.equals(atomicReplace); }

    @Override
    public boolean equals(Object o) {
        return o instanceof PatchModule m && Objects.equals(name, m.name) && Objects.equals(kernelRelease, m.kernelRelease)
                && Objects.equals(replaceable, m.replaceable) && Objects.equals(atomicReplace, m.atomicReplace)
                && Objects.equals(source, m.source) && Objects.equals(allowFunctionOverlap, m.allowFunctionOverlap);
    }

    @Override
    public int hashCode() { return Objects.hash(name, kernelRelease, replaceable, atomicReplace, source, allowFunctionOverlap); }
}
