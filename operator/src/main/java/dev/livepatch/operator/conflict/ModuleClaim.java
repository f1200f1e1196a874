package dev.livepatch.operator.conflict;

import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.PatchModule;
import java.util.List;
import java.util.Optional;

/** The modules one LivePatch claims on one node, as far as clashes are concerned. */
public record ModuleClaim(String livePatch, List<Entry> modules) {

    public record Entry(String name, boolean replaceable, boolean atomicReplace) {
        public static Entry of(PatchModule m) {
            return new Entry(m.getName(), !m.isPinned(), m.isAtomicReplace());
        }

        public static Entry of(NodeModule m) {
            return new Entry(m.getName(), !m.isPinned(), m.isAtomicReplace());
        }
    }

    public boolean isEmpty() {
        return modules.isEmpty();
    }

    /**
     * Why these two claims cannot share a node, or empty when they can: one patch name claimed
     * twice, or docs/design.md §5 rule 3 (an atomic-replace module leaves no room for another replaceable one).
     */
    public Optional<String> clashWith(ModuleClaim other) {
        for (Entry a : modules) {
            for (Entry b : other.modules) {
                if (a.name().equals(b.name())) {
                    return Optional.of("module " + a.name() + " is also declared by LivePatch " + other.livePatch);
                }
                if (a.atomicReplace() && b.replaceable() || b.atomicReplace() && a.replaceable()) {
                    Entry atomic = a.atomicReplace() ? a : b;
                    Entry swept = a.atomicReplace() ? b : a;
                    return Optional.of("atomic-replace module " + atomic.name() + " would supersede replaceable module " + swept.name()
                            + " (LivePatches " + livePatch + " and " + other.livePatch + ")");
                }
            }
        }
        return Optional.empty();
    }
}
