package dev.livepatch.daemon.plan;

import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.daemon.plan.PlanInput.Desired;
import org.junit.jupiter.api.Test;

import static dev.livepatch.daemon.plan.PlanInputBuilder.kernel;
import static dev.livepatch.daemon.plan.PlanModule.pinned;
import static dev.livepatch.daemon.plan.PlanModule.replaceable;
import static org.assertj.core.api.Assertions.assertThat;

/** Worked examples of the planner's rules; the properties cover the generated cases. */
class HybridPlannerTest {
    private static final PlanModule PIN = pinned("pin").of("L1");
    private static final PlanModule R1 = replaceable("r1").of("L2");

    @Test
    void loadsBeforeItRetires() {
        Desired r2 = replaceable("r2").sha256("s2").of("L2").desired();
        Plan plan = HybridPlanner.plan(kernel().patch("pin").patch("r1").managing(PIN, R1)
                .desiring(PIN).desiring(r2).build());
        assertThat(plan.steps()).containsExactly(new Step.Load(r2), new Step.Disable("r1"));
        assertThat(plan.refusals()).isEmpty();
    }

    @Test
    void protectsPinnedPatchesBeforeAnAtomicReplaceOnAHybridKernel() {
        Desired atomic = replaceable("all").atomicReplace().sha256("s2").of("L2").desired();
        Plan plan = HybridPlanner.plan(kernel().hybrid().patch("pin", true).patch("r1", true).managing(PIN, R1)
                .desiring(PIN).desiring(atomic).build());
        assertThat(plan.steps()).containsExactly(new Step.Protect("pin"), new Step.Load(atomic)); // r1 is swept, not disabled
    }

    @Test
    void refusesTwoAtomicReplaceModules() {
        Plan plan = HybridPlanner.plan(kernel().hybrid()
                .desiring(replaceable("x").atomicReplace().sha256("s2").of("L1"), replaceable("y").atomicReplace().sha256("s2").of("L2")).build());
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.refusals()).extracting(Plan.Refusal::reason).containsOnly(NodeReasons.INVALID_DESIRED_SET);
    }

    @Test
    void holdsAModuleWhoseOldCopyAwaitsItsRmmod() {
        Plan plan = HybridPlanner.plan(kernel().loadedModule("a").desiring(pinned("a").sha256("s2").of("L1")).build());
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.refusal("a")).hasValueSatisfying(r -> assertThat(r.failed()).isFalse());
    }
}
