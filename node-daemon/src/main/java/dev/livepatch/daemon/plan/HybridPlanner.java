package dev.livepatch.daemon.plan;

import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.daemon.plan.PlanInput.Desired;
import dev.livepatch.daemon.plan.PlanInput.Managed;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The hybrid-mode planner (rules 1-4 below; rules 9 and 10 of docs/design.md §5 in {@link LoadChecks}): a pure function from the kernel as read, the
 * desired set D and the daemon's records to the ordered steps that converge the kernel, or a
 * refusal per module with its reason.
 *
 * <p>The plan is computed against a model of the patch stack that each step updates the way the
 * kernel would, so a check made for step k sees the stack as it will be after steps 1..k-1. The
 * converger takes only the first step, then reads the kernel again and plans anew: the plan is
 * never trusted across a transition.
 *
 * <ol>
 *   <li>Load before retire: every member of D not enabled is loaded, in D's order; only then are
 *       managed patches not in D disabled, topmost first. A replaceable upgrade (new name in D, old
 *       name retired) therefore always has one version enabled.</li>
 *   <li>Pinned patches are never swept: an atomic-replace module is loaded only when every other
 *       enabled patch is a managed one D retires (pinned or not: D no longer wants it; not while a desired module
 *       of that patch's LivePatch is not enabled, rule 1's hold); or, where the kernel has the hybrid
 *       attribute, after writing 0 to it on every pinned managed patch (and when no unmanaged patch
 *       would be swept). Else it is refused with {@code HybridUnsupported}.</li>
 *   <li>At most one atomic-replace module, and then no other replaceable module, in D: otherwise the
 *       atomic ones are refused with {@code InvalidDesiredSet} and the rest goes on.</li>
 *   <li>One transition at a time: the steps are a sequence; the converger runs them one by one.</li>
 * </ol>
 *
 * <p>Retirement waits for the loads it may depend on: a managed patch is kept while a desired module
 * of its own LivePatch is not enabled (another LivePatch's failure holds nothing of it) — so
 * a refused or failed upgrade leaves the old fix in place instead of a node without it.
 *
 * <p>Same name, other sha256: a loaded patch cannot be swapped for another build under the same
 * name without disabling it first (a window without the fix), so such a module is refused; a new
 * build must get a new name, and the old name is retired once the new one is enabled. Unmanaged
 * patches are never a step's target.
 */
public final class HybridPlanner {
    private HybridPlanner() {}


    public static Plan plan(PlanInput in) {
        List<Step> steps = new ArrayList<>();
        List<Plan.Refusal> refusals = new ArrayList<>();
        Set<String> desiredNames = in.desired().stream().map(Desired::name).collect(Collectors.toSet());

        List<StackEntry> stack = modelStack(in);

        Set<String> refusedAtomic = checkAtomicRule(in.desired(), refusals);
        LoadChecks.checkLoaded(in, stack, desiredNames, steps, refusals);
        LoadChecks.ejectUnhealthy(in, stack, steps, refusals);

        for (Desired d : in.desired()) {
            if (d.blocked() || refusedAtomic.contains(d.name())) continue;
            StackEntry loaded = find(stack, d.name());
            if (loaded != null) {
                if (loaded.managed() == null) {
                    refusals.add(new Plan.Refusal(d.name(), NodeReasons.INVALID_DESIRED_SET, "failed to load module " + d.name()
                            + ": a patch of that name is already loaded and not managed by the daemon (loaded by another tool?); "
                            + "it was left untouched (unload it, or give the module another name)", true));
                } else if (!loaded.managed().sha256().equals(d.sha256())) {
                    refusals.add(new Plan.Refusal(d.name(), NodeReasons.INVALID_DESIRED_SET, "failed to upgrade module " + d.name()
                            + ": another build (sha256 " + loaded.managed().sha256() + ") is enabled under the same name, and a patch "
                            + "cannot be replaced in place without a window without the fix; the loaded build was left enabled "
                            + "(give the new build a new module name; the old name is then retired after the new one is enabled)", true));
                }
                continue;
            }
            if (in.loadedModules().contains(d.name())) {
                String unloadAfter = in.pendingUnloads().get(d.name());
                refusals.add(unloadAfter != null
                        ? new Plan.Refusal(d.name(), NodeReasons.APPLYING, "waiting for the previous copy of module " + d.name()
                                + " to be unloaded (its rmmod grace period ends " + unloadAfter + ") before loading it again", false)
                        : new Plan.Refusal(d.name(), NodeReasons.BLOCKED, "cannot load module " + d.name() + ": a module of that name is "
                                + "loaded without a livepatch directory (disabled by hand, or loaded by another tool) and the daemon has no "
                                + "record of it, so it is left alone; unload it (rmmod " + d.name() + ") and the daemon loads the module", false));
                continue;
            }
            if (!LoadChecks.checkBuilt(d, stack, desiredNames, refusals)) continue;
            if (d.atomicReplace()) {
                if (!planAtomicLoad(in, d, stack, desiredNames, steps, refusals)) continue;
            } else {
                stack.add(new StackEntry(d.name(), in.hybridAttr() ? Boolean.TRUE : null, managedOf(d), LoadChecks.functionsOf(d)));
            }
            steps.add(new Step.Load(d));
        }

        // Rule 1, second half: retire managed patches D no longer names, topmost first. "Only then":
        // while a desired module of a LivePatch is not enabled (refused, failed, waiting), the patches
        // of that LivePatch it may be meant to succeed stay; other LivePatches' retirements go on. A module
        // still baking counts as not enabled yet: the old fix stays until the new one's health gates passed.
        List<Desired> missing = in.desired().stream().filter(d -> !enabledAsDesired(stack, d) || in.baking().contains(d.name())).toList();
        List<Plan.Refusal> held = new ArrayList<>();
        for (int i = stack.size() - 1; i >= 0; i--) {
            StackEntry e = stack.get(i);
            if (e.managed() == null || desiredNames.contains(e.name())) continue;
            List<String> awaited = missing.stream().filter(d -> d.livePatch() != null && d.livePatch().equals(e.managed().livePatch()))
                    .map(Desired::name).toList();
            if (!awaited.isEmpty()) {
                held.add(new Plan.Refusal(e.name(), NodeReasons.APPLYING, "retirement of patch " + e.name() + " waits for " + awaited
                        + " of LivePatch " + e.managed().livePatch() + " to be enabled (load before retire)", false));
                continue;
            }
            steps.add(new Step.Disable(e.name()));
        }
        return new Plan(steps, refusals, held);
    }

    /** Rule 3; returns the atomic-replace modules refused for it. */
    private static Set<String> checkAtomicRule(List<Desired> desired, List<Plan.Refusal> refusals) {
        // A blocked module still counts, atomic or not: its LivePatch's loaded versions would be swept while it cannot be loaded.
        List<Desired> everyAtomic = desired.stream().filter(Desired::atomicReplace).toList();
        List<Desired> atomic = everyAtomic.stream().filter(d -> !d.blocked()).toList();
        List<String> otherReplaceable = desired.stream().filter(d -> d.replaceable() && !d.atomicReplace())
                .map(Desired::name).toList();
        Set<String> refused = new HashSet<>();
        for (Desired a : atomic) {
            String why = everyAtomic.size() > 1
                    ? "the node's desired set has " + everyAtomic.size() + " atomic-replace modules " + everyAtomic.stream().map(Desired::name).toList() + " (at most one per node)"
                    : !otherReplaceable.isEmpty() ? "the node's desired set also has the replaceable modules " + otherReplaceable
                            + ", which an atomic-replace module would sweep" : null;
            if (why == null) continue;
            refused.add(a.name());
            refusals.add(new Plan.Refusal(a.name(), NodeReasons.INVALID_DESIRED_SET,
                    "failed to load module " + a.name() + ": " + why + "; nothing loaded for it (fix the LivePatches that target this node)", true));
        }
        return refused;
    }

    /** Rule 2: plans the Protect steps before an atomic-replace load, updates the model; false when refused. */
    private static boolean planAtomicLoad(PlanInput in, Desired d, List<StackEntry> stack, Set<String> desiredNames,
                                          List<Step> steps, List<Plan.Refusal> refusals) {
        boolean hybrid = in.hybridAttr();
        List<String> pinned = new ArrayList<>();
        List<String> unmanaged = new ArrayList<>();
        List<String> stillDesired = new ArrayList<>();
        List<String> toProtect = new ArrayList<>();
        List<String> awaiting = new ArrayList<>();
        for (StackEntry e : stack) {
            // A managed patch D no longer names is on its way out, pinned or not: sweeping it is what D asks for,
            // unless its LivePatch's desired modules are not enabled yet (load before retire holds it, rule 1).
            boolean retiring = e.managed() != null && !desiredNames.contains(e.name());
            if (retiring && heldForItsLivePatch(in, e, d.name(), d.livePatch(), stack)) {
                awaiting.add(e.name());
                continue;
            }
            if (retiring) continue;
            if (e.managed() == null) {
                if (e.sweptByAtomicReplace(hybrid)) unmanaged.add(e.name()); // never touched, so never protected by us
            } else if (!e.managed().replaceable()) {
                if (hybrid) {
                    if (!Boolean.FALSE.equals(e.attr())) toProtect.add(e.name());
                } else {
                    pinned.add(e.name());
                }
            } else if (e.sweptByAtomicReplace(hybrid)) {
                stillDesired.add(e.name());
            }
        }
        if (!pinned.isEmpty() || !unmanaged.isEmpty() || !stillDesired.isEmpty() || !awaiting.isEmpty()) {
            StringBuilder what = new StringBuilder();
            if (!awaiting.isEmpty()) what.append("patches ").append(awaiting).append(" whose LivePatch's new modules are not enabled yet");
            if (!pinned.isEmpty()) what.append(what.length() > 0 ? " and " : "").append("pinned patches ").append(pinned);
            if (!unmanaged.isEmpty()) what.append(what.length() > 0 ? " and " : "").append("unmanaged patches ").append(unmanaged);
            if (!stillDesired.isEmpty()) what.append(what.length() > 0 ? " and " : "").append("desired patches ").append(stillDesired);
            refusals.add(new Plan.Refusal(d.name(), NodeReasons.HYBRID_UNSUPPORTED, "failed to load module " + d.name()
                    + ": it is built with atomic replace and would sweep the " + what
                    + (hybrid ? "" : ", and this kernel has no hybrid 'replaceable' attribute")
                    + "; nothing loaded (rebuild it without atomic replace, e.g. kpatch-build --non-replace)", true));
            return false;
        }
        for (String p : toProtect) {
            steps.add(new Step.Protect(p));
            stack.replaceAll(e -> e.name().equals(p) ? new StackEntry(p, Boolean.FALSE, e.managed(), e.functions()) : e);
        }
        stack.removeIf(e -> e.sweptByAtomicReplace(hybrid));
        stack.add(new StackEntry(d.name(), hybrid ? Boolean.TRUE : null, managedOf(d), LoadChecks.functionsOf(d)));
        return true;
    }

    /** Another LivePatch's patch whose LivePatch has a desired module not enabled: retiring it now would leave that LivePatch without a fix. */
    private static boolean heldForItsLivePatch(PlanInput in, StackEntry e, String loading, String loadingLivePatch, List<StackEntry> stack) {
        String livePatch = e.managed().livePatch();
        return livePatch != null && !livePatch.equals(loadingLivePatch) && in.desired().stream()
                .anyMatch(o -> livePatch.equals(o.livePatch()) && !o.name().equals(loading) && find(stack, o.name()) == null);
    }

    /**
     * Rule 2 for an atomic-replace load already in transition, the desired set having changed
     * since it began: the patches its completion would sweep that the plan now keeps — desired ones
     * the hybrid attribute does not protect, and another LivePatch's retiring ones that rule 1's hold
     * keeps until that LivePatch's new module is enabled. Not empty: the load must be reversed.
     */
    public static List<String> keptPatchesSweptOnCompletion(PlanInput in, String atomic) {
        Set<String> desiredNames = in.desired().stream().map(Desired::name).collect(Collectors.toSet());
        Managed self = in.managed().get(atomic);
        String ownLivePatch = self == null ? null : self.livePatch();
        List<StackEntry> stack = modelStack(in);
        return stack.stream()
                .filter(e -> !e.name().equals(atomic) && e.sweptByAtomicReplace(in.hybridAttr()))
                .filter(e -> desiredNames.contains(e.name())
                        || (e.managed() != null && heldForItsLivePatch(in, e, atomic, ownLivePatch, stack)))
                .map(StackEntry::name).toList();
    }

    /** The model stack, bottom first: enabled patches only (a disabled one is on its way out). */
    private static List<StackEntry> modelStack(PlanInput in) {
        List<StackEntry> stack = new ArrayList<>();
        for (PlanInput.Patch p : in.patches()) {
            if (p.enabled()) stack.add(new StackEntry(p.name(), p.replaceableAttr(), in.managed().get(p.name()), p.functions()));
        }
        return stack;
    }

    private static Managed managedOf(Desired d) { return new Managed(d.name(), d.sha256(), d.replaceable(), d.atomicReplace(), d.livePatch()); }

    /** D's build of the module is what the stack has (not another build, not someone else's patch of that name). */
    private static boolean enabledAsDesired(List<StackEntry> stack, Desired d) {
        StackEntry e = find(stack, d.name());
        return e != null && e.managed() != null && e.managed().sha256().equals(d.sha256());
    }

    private static StackEntry find(List<StackEntry> stack, String name) {
        return stack.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
    }
}
