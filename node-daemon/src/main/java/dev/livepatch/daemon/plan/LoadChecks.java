package dev.livepatch.daemon.plan;

import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.daemon.kernel.PatchedFunction;
import dev.livepatch.daemon.plan.PlanInput.Desired;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The hybrid planner's checks of what a module patches (docs/design.md §5 rules 9 and 10), before and after its load. */
final class LoadChecks {
    private LoadChecks() {}

    /**
     * Rules 9 and 10 before a load, from what the file says (where it could be read): a module built
     * with atomic replace but declared without, or a replaceable module that would override a pinned
     * patch's function (not accepted by its allowFunctionOverlap), is refused; false then.
     */
    static boolean checkBuilt(Desired d, List<StackEntry> stack, Set<String> desiredNames, List<Plan.Refusal> refusals) {
        if (d.built() == null) return true;
        if (d.built().replace() && !d.atomicReplace()) {
            refusals.add(new Plan.Refusal(d.name(), NodeReasons.ATOMIC_REPLACE_UNDECLARED, "failed to load module " + d.name()
                    + ": its file's klp_patch has replace = true (built with atomic replace) but the spec declares atomicReplace: false, "
                    + "so it would sweep every other patch; nothing loaded (declare atomicReplace: true, or rebuild it without atomic "
                    + "replace, e.g. kpatch-build --non-replace)", true));
            return false;
        }
        if (!d.replaceable()) return true;
        List<FunctionOverlaps.Overridden> o = FunctionOverlaps.overriddenBy(d.name(), d.built().functions(), layers(stack, desiredNames, e -> true),
                d.allowedOverlaps()::contains);
        if (o.isEmpty()) return true;
        refusals.add(new Plan.Refusal(d.name(), NodeReasons.FUNCTION_OVERLAP, FunctionOverlaps.message("failed to load", o) + "; nothing loaded", true));
        return false;
    }

    /**
     * Rules 9 and 10 after a load, from what the kernel shows: a managed patch the kernel reports
     * {@code replace=1} against its declaration is failed (its transition completed before the daemon
     * could reverse it, inside the load on an idle kernel: what it swept is gone, and it stays, the only
     * fix left); a replaceable one above a pinned patch of the same function is failed and disabled
     * again. Above means in the kernel's stack_order, or in the daemon's own load order (never a guess
     * from an adopted patch's).
     */
    static void checkLoaded(PlanInput in, List<StackEntry> stack, Set<String> desiredNames, List<Step> steps, List<Plan.Refusal> refusals) {
        List<String> ejected = new ArrayList<>();
        for (int i = 0; i < stack.size(); i++) {
            StackEntry e = stack.get(i);
            Desired d = in.desired().stream().filter(x -> x.name().equals(e.name())).findFirst().orElse(null);
            if (e.managed() == null || d == null || !e.managed().sha256().equals(d.sha256())) continue;
            boolean replace = in.patches().stream().anyMatch(p -> p.name().equals(e.name()) && Boolean.TRUE.equals(p.replace()));
            if (replace && !e.managed().atomicReplace()) {
                refusals.add(new Plan.Refusal(d.name(), NodeReasons.ATOMIC_REPLACE_UNDECLARED, "failed to load module " + d.name() + ": the kernel "
                        + "shows it built with atomic replace (replace=1) but the spec declares atomicReplace: false; its transition completed "
                        + "before the daemon could reverse it, so the patches below it were swept and it stays enabled as the fix left "
                        + "(declare atomicReplace: true, or rebuild it without atomic replace, e.g. kpatch-build --non-replace)", true));
                continue;
            }
            if (!e.managed().replaceable() || (!in.kernelOrder() && e.managed().adopted())) continue;
            List<FunctionOverlaps.Overridden> o = FunctionOverlaps.overriddenBy(e.name(), e.functions(),
                    layers(stack.subList(0, i), desiredNames, b -> in.kernelOrder() || !b.managed().adopted()), d.allowedOverlaps()::contains);
            if (o.isEmpty()) continue;
            refusals.add(new Plan.Refusal(d.name(), NodeReasons.FUNCTION_OVERLAP, FunctionOverlaps.message("failed to load", o)
                    + "; the kernel showed it after the load (its file's klp_patch could not be read before), so it is disabled again "
                    + "and unloaded after the grace period", true));
            ejected.add(e.name());
        }
        for (String name : ejected) steps.add(new Step.Disable(name));
        stack.removeIf(e -> ejected.contains(e.name()));
    }

    /**
     * docs/design.md §5 rule 13: a managed patch of D's build whose health gate failed under
     * {@code onUnhealthy: Revert} is failed and disabled; the patches its LivePatch kept through the bake run again.
     */
    static void ejectUnhealthy(PlanInput in, List<StackEntry> stack, List<Step> steps, List<Plan.Refusal> refusals) {
        List<String> ejected = new ArrayList<>();
        for (StackEntry e : stack) {
            String why = in.unhealthy().get(e.name());
            Desired d = in.desired().stream().filter(x -> x.name().equals(e.name())).findFirst().orElse(null);
            if (why == null || e.managed() == null || d == null || !e.managed().sha256().equals(d.sha256())) continue;
            refusals.add(new Plan.Refusal(d.name(), NodeReasons.HEALTH_GATE_FAILED, "module " + d.name() + " failed a health gate during its "
                    + "bake: " + why + "; it is disabled (onUnhealthy: Revert) and unloaded after the grace period", true));
            ejected.add(e.name());
        }
        for (String name : ejected) steps.add(new Step.Disable(name));
        stack.removeIf(e -> ejected.contains(e.name()));
    }

    /** The stack as layers: pinned is a managed, non-replaceable patch D keeps ({@code known}: its place in the stack is known). */
    static List<FunctionOverlaps.Layer> layers(List<StackEntry> stack, Set<String> desiredNames, java.util.function.Predicate<StackEntry> known) {
        return stack.stream().filter(e -> e.managed() != null && !e.managed().replaceable() && desiredNames.contains(e.name()) && known.test(e))
                .map(e -> new FunctionOverlaps.Layer(e.name(), true, e.functions())).toList();
    }

    static Set<PatchedFunction> functionsOf(Desired d) { return d.built() == null ? Set.of() : d.built().functions(); }
}
