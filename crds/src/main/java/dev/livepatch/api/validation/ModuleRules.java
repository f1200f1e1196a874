package dev.livepatch.api.validation;

import dev.livepatch.api.v1alpha1.PatchModule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The rules of {@code spec.modules}: each module on its own, and the modules of one kernel together. */
final class ModuleRules {
    static final int MAX_MODULES = 64;

    private static final Pattern NAME = Pattern.compile(PatchModule.NAME_PATTERN);
    private static final Pattern KERNEL_RELEASE = Pattern.compile(PatchModule.KERNEL_RELEASE_PATTERN);
    private static final Pattern FUNCTION = Pattern.compile(PatchModule.FUNCTION_NAME_PATTERN);

    private ModuleRules() {}

    static void validate(List<PatchModule> modules, List<Violation> out) {
        if (modules == null || modules.isEmpty()) {
            out.add(new Violation("spec.modules", "declare at least one module"));
            return;
        }
        if (modules.size() > MAX_MODULES) {
            out.add(new Violation("spec.modules", "declares " + modules.size() + " modules; at most " + MAX_MODULES + " are allowed"));
        }
        Set<String> seen = new HashSet<>();
        Map<String, List<PatchModule>> byRelease = new HashMap<>();
        for (int i = 0; i < modules.size(); i++) {
            PatchModule m = modules.get(i);
            String at = "spec.modules[" + i + "]";
            if (m == null) {
                out.add(new Violation(at, "is empty"));
                continue;
            }
            validateModule(m, at, out);
            if (m.getName() != null && m.getKernelRelease() != null) {
                if (!seen.add(m.getName() + "\u0000" + m.getKernelRelease())) {
                    out.add(new Violation(at + ".name", "'" + m.getName() + "' is declared twice for kernel " + m.getKernelRelease()
                            + "; each patch name may appear once per kernelRelease"));
                }
                byRelease.computeIfAbsent(m.getKernelRelease(), k -> new ArrayList<>()).add(m);
            }
        }
        byRelease.forEach((release, ms) -> validateAtomicReplaceSet(release, ms, out));
    }

    /** docs/design.md §5 rule 3: an atomic-replace module supersedes every replaceable one, so it must be the only one. */
    private static void validateAtomicReplaceSet(String release, List<PatchModule> modules, List<Violation> out) {
        List<String> atomic = modules.stream().filter(PatchModule::isAtomicReplace).map(PatchModule::getName).toList();
        if (atomic.isEmpty()) {
            return;
        }
        if (atomic.size() > 1) {
            out.add(new Violation("spec.modules", "kernel " + release + " has " + atomic.size() + " atomicReplace modules " + atomic
                    + "; at most one is allowed, as each would sweep the others"));
            return;
        }
        List<String> otherReplaceable = modules.stream()
                .filter(m -> !m.isAtomicReplace() && !m.isPinned()).map(PatchModule::getName).toList();
        if (!otherReplaceable.isEmpty()) {
            out.add(new Violation("spec.modules", "kernel " + release + ": atomicReplace module '" + atomic.get(0)
                    + "' would supersede the replaceable modules " + otherReplaceable
                    + "; fold them into it (it is cumulative) or mark them replaceable: false"));
        }
    }

    private static void validateModule(PatchModule m, String at, List<Violation> out) {
        if (m.getName() == null) {
            out.add(new Violation(at + ".name", "is required"));
        } else if (!NAME.matcher(m.getName()).matches()) {
            out.add(new Violation(at + ".name", "'" + m.getName() + "' is not a livepatch name: use 1-55 of a-z, 0-9 and '_' "
                    + "(the name in /sys/kernel/livepatch, i.e. the module name with '-' written as '_')"));
        }
        if (m.getKernelRelease() == null) {
            out.add(new Violation(at + ".kernelRelease", "is required: the exact `uname -r` the module was built for"));
        } else if (!KERNEL_RELEASE.matcher(m.getKernelRelease()).matches()) {
            out.add(new Violation(at + ".kernelRelease", "'" + m.getKernelRelease() + "' is not a kernel release (expected `uname -r` output, e.g. 6.1.0-56-amd64)"));
        }
        if (m.getReplaceable() == null) {
            out.add(new Violation(at + ".replaceable", "is required: true for the cumulative set an atomic-replace patch may supersede, false to pin the patch"));
        }
        if (m.isPinned() && m.isAtomicReplace() && m.getReplaceable() != null) {
            out.add(new Violation(at, "a pinned module (replaceable: false) cannot be atomicReplace: it would sweep every other patch; "
                    + "build it without atomic replace (kpatch-build --non-replace) or mark it replaceable"));
        }
        validateAllowedOverlaps(m, at + ".allowFunctionOverlap", out);
        SourceRules.validate(m.getSource(), at + ".source", out);
    }

    /** docs/design.md §5 rule 10: the functions a replaceable module may override a pinned patch's version of. */
    private static void validateAllowedOverlaps(PatchModule m, String at, List<Violation> out) {
        List<String> allowed = m.getAllowFunctionOverlap();
        if (allowed == null || allowed.isEmpty()) return;
        if (m.isPinned()) {
            out.add(new Violation(at, "is for replaceable modules: a pinned module loaded later overrides the functions it shares anyway; "
                    + "remove allowFunctionOverlap or mark the module replaceable"));
        }
        if (allowed.size() > PatchModule.MAX_ALLOWED_OVERLAPS) {
            out.add(new Violation(at, "lists " + allowed.size() + " functions; at most " + PatchModule.MAX_ALLOWED_OVERLAPS + " are allowed"));
        }
        for (int i = 0; i < allowed.size(); i++) {
            String f = allowed.get(i);
            if (f == null || !FUNCTION.matcher(f).matches()) {
                out.add(new Violation(at + "[" + i + "]", "'" + f + "' is not a function name as /sys/kernel/livepatch shows it "
                        + "(a C identifier of at most 128 characters, e.g. cmdline_proc_show; no object or sympos)"));
            }
        }
    }
}
