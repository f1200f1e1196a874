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

    /** An atomic upgrade of L3 must not sweep L2's old fix while L2's new module cannot load (load before retire). */
    @Test
    void anAtomicReplaceWaitsWhileAnotherLivePatchsNewModuleCannotLoad() {
        PlanModule g = replaceable("g").of("L2");
        PlanModule b = replaceable("b").of("L3");
        Desired h = replaceable("h").atomicReplace().sha256("s2").of("L3").desired();
        Desired f = pinned("f").sha256("s2").blocked().of("L2").desired();
        Plan plan = HybridPlanner.plan(kernel().patch("g").patch("b").managing(g, b).desiring(h).desiring(f).build());
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.refusal("h")).hasValueSatisfying(r -> assertThat(r.message()).contains("[g]"));
    }

    /** Found by the properties (seed 3290663697054250234): a blocked atomic-replace module did not count, so the other one swept its LivePatch's fix. */
    @Test
    void refusesAnAtomicReplaceBesideABlockedOne() {
        Desired h = replaceable("h").atomicReplace().sha256("s2").of("L3").desired();
        Desired f = replaceable("f").atomicReplace().sha256("s2").blocked().of("L2").desired();
        Plan plan = HybridPlanner.plan(kernel().hybrid().desiring(h).desiring(f).build());
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.refusal("h")).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(NodeReasons.INVALID_DESIRED_SET));
    }

    @Test
    void holdsAModuleWhoseOldCopyAwaitsItsRmmod() {
        Plan plan = HybridPlanner.plan(kernel().loadedModule("a").desiring(pinned("a").sha256("s2").of("L1")).build());
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.refusal("a")).hasValueSatisfying(r -> assertThat(r.failed()).isFalse());
    }
}
