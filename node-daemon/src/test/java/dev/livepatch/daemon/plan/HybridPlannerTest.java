package dev.livepatch.daemon.plan;

import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.daemon.plan.PlanInput.Desired;
import dev.livepatch.daemon.plan.PlanInput.Managed;
import dev.livepatch.daemon.plan.PlanInput.Patch;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Worked examples of the planner's rules; the properties cover the generated cases. */
class HybridPlannerTest {
    private static final Managed PIN = new Managed("pin", "s1", false, false, "L1");
    private static final Managed R1 = new Managed("r1", "s1", true, false, "L2");

    private static Desired desired(String name, boolean replaceable, boolean atomic, String lp) {
        return new Desired(name, "s2", replaceable, atomic, false, lp);
    }

    @Test
    void loadsBeforeItRetires() {
        Plan plan = HybridPlanner.plan(new PlanInput(List.of(new Patch("pin", true, null), new Patch("r1", true, null)), Set.of("pin", "r1"), false,
                List.of(new Desired("pin", "s1", false, false, false, "L1"), desired("r2", true, false, "L2")), Map.of("pin", PIN, "r1", R1)));
        assertThat(plan.steps()).containsExactly(new Step.Load(desired("r2", true, false, "L2")), new Step.Disable("r1"));
        assertThat(plan.refusals()).isEmpty();
    }

    @Test
    void protectsPinnedPatchesBeforeAnAtomicReplaceOnAHybridKernel() {
        Desired atomic = desired("all", true, true, "L2");
        Plan plan = HybridPlanner.plan(new PlanInput(List.of(new Patch("pin", true, true), new Patch("r1", true, true)), Set.of("pin", "r1"), true,
                List.of(new Desired("pin", "s1", false, false, false, "L1"), atomic), Map.of("pin", PIN, "r1", R1)));
        assertThat(plan.steps()).containsExactly(new Step.Protect("pin"), new Step.Load(atomic)); // r1 is swept, not disabled
    }

    @Test
    void refusesTwoAtomicReplaceModules() {
        Plan plan = HybridPlanner.plan(new PlanInput(List.of(), Set.of(), true,
                List.of(desired("x", true, true, "L1"), desired("y", true, true, "L2")), Map.of()));
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.refusals()).extracting(Plan.Refusal::reason).containsOnly(NodeReasons.INVALID_DESIRED_SET);
    }

    @Test
    void holdsAModuleWhoseOldCopyAwaitsItsRmmod() {
        Plan plan = HybridPlanner.plan(new PlanInput(List.of(), Set.of("a"), false, List.of(desired("a", false, false, "L1")), Map.of()));
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.refusal("a")).hasValueSatisfying(r -> assertThat(r.failed()).isFalse());
    }
}
