package dev.livepatch.daemon.plan;

import dev.livepatch.daemon.plan.PlanInput.Desired;
import dev.livepatch.daemon.plan.PlanInput.Managed;
import dev.livepatch.daemon.plan.PlanInput.Patch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The planner's input for tests, each part named: the kernel's patch directories (each one's module
 * counted as loaded), modules loaded without a directory, whether the kernel has the hybrid
 * attribute, the daemon's records and the desired set:
 * {@code kernel().patch("pin").managing(pinned("pin")).desiring(pinned("pin"), replaceable("r2").sha256("s2")).build()}.
 */
final class PlanInputBuilder {
    private final List<Patch> patches = new ArrayList<>();
    private final Set<String> loadedModules = new LinkedHashSet<>();
    private boolean hybridAttr;
    private final List<Desired> desired = new ArrayList<>();
    private final Map<String, Managed> managed = new LinkedHashMap<>();
    private final Map<String, String> pendingUnloads = new LinkedHashMap<>();

    private PlanInputBuilder() {}

    /** A kernel without the hybrid attribute, nothing loaded, nothing managed, nothing desired. */
    static PlanInputBuilder kernel() {
        return new PlanInputBuilder();
    }

    /** The kernel has the proposed hybrid {@code replaceable} attribute. */
    PlanInputBuilder hybrid() {
        return hybrid(true);
    }

    PlanInputBuilder hybrid(boolean hybridAttr) {
        this.hybridAttr = hybridAttr;
        return this;
    }

    /** An enabled patch on top of the stack, on a kernel without the hybrid attribute (no attribute value). */
    PlanInputBuilder patch(String name) {
        return patch(name, null);
    }

    /** An enabled patch on top of the stack with the hybrid attribute's value ({@code replaceableAttr}; null where the kernel lacks it). */
    PlanInputBuilder patch(String name, Boolean replaceableAttr) {
        patches.add(new Patch(name, true, replaceableAttr));
        loadedModules.add(name);
        return this;
    }

    /** A module in /proc/modules without a patch directory (its patch gone, its rmmod not yet done). */
    PlanInputBuilder loadedModule(String name) {
        loadedModules.add(name);
        return this;
    }

    PlanInputBuilder loadedModules(Collection<String> names) {
        loadedModules.addAll(names);
        return this;
    }

    /** The daemon's records of patches it loaded. */
    PlanInputBuilder managing(PlanModule... modules) {
        for (PlanModule m : modules) {
            managing(m.managed());
        }
        return this;
    }

    PlanInputBuilder managing(Managed record) {
        managed.put(record.name(), record);
        return this;
    }

    /** Members of the desired set, appended in load order. */
    PlanInputBuilder desiring(PlanModule... modules) {
        for (PlanModule m : modules) {
            desiring(m.desired());
        }
        return this;
    }

    PlanInputBuilder desiring(Desired module) {
        desired.add(module);
        return this;
    }

    /** A module waiting out its rmmod grace period until {@code until}. */
    PlanInputBuilder pendingUnload(String name, String until) {
        pendingUnloads.put(name, until);
        return this;
    }

    PlanInput build() {
        return new PlanInput(patches, loadedModules, hybridAttr, desired, managed, pendingUnloads, false); // load order from the records, as on 6.1
    }
}
