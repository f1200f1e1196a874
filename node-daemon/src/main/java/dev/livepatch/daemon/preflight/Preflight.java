package dev.livepatch.daemon.preflight;

import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.daemon.plan.DesiredSet;
import dev.livepatch.daemon.plan.Plan;
import dev.livepatch.daemon.plan.Step;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Preflight (docs/design.md §5 rule 14), pure: a module whose entry says {@code preflight} is never
 * loaded; the node plans it as if it were (a dry run of the hybrid planner over the same kernel, records
 * and verified files) and reports the dry run's outcome: {@code ReadyToApply} where the planner would load
 * it, else the planner's refusal. The file checks (sha256, livepatch flag, vermagic, name) happened when
 * it was fetched; the dry run adds the hybrid rules, the atomic-replace and function-overlap checks.
 */
public final class Preflight {
    private Preflight() {}

    /**
     * @param plan the real plan, preflight modules held back in it
     * @param dry  the plan with them loadable: only its outcomes for them are taken, never its steps
     */
    public static Plan withOutcomes(Plan plan, Plan dry, DesiredSet desired) {
        Set<String> preflight = desired.modules().stream().filter(NodeModule::isPreflight).map(NodeModule::getName).collect(Collectors.toSet());
        List<Plan.Refusal> refusals = new ArrayList<>(plan.refusals().stream().filter(r -> !preflight.contains(r.module())).toList());
        dry.refusals().stream().filter(r -> preflight.contains(r.module())).forEach(refusals::add);
        for (Step s : dry.steps()) {
            if (s instanceof Step.Load l && preflight.contains(l.module().name())) refusals.add(ready(l.module().name()));
        }
        return new Plan(plan.steps(), refusals, plan.heldRetirements());
    }

    static Plan.Refusal ready(String module) {
        return new Plan.Refusal(module, NodeReasons.READY_TO_APPLY, "preflight: module " + module + " was fetched and passed every check "
                + "a load makes on this node (sha256, livepatch flag, vermagic, module name, atomic replace over pinned patches, function "
                + "overlaps): ready to apply; nothing loaded (set the LivePatch's spec.preflight to false to roll it out)", false);
    }
}
