package dev.livepatch.daemon.plan;

import dev.livepatch.daemon.plan.PlanInput.Desired;
import dev.livepatch.daemon.plan.PlanInput.Managed;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the hybrid planner over generated nodes: a kernel stack of managed (pinned or
 * replaceable, some atomic-replace) and unmanaged patches, with or without the hybrid attribute,
 * and a desired set overlapping it. The steps are applied to a model kernel that behaves like the
 * real one (an atomic-replace load sweeps every other patch, or with the hybrid attribute every one
 * whose replaceable is not 0).
 */
class HybridPlannerPropertiesTest {
    private static final List<String> NAMES = List.of("a", "b", "c", "d", "e", "f", "g", "h");
    private static final List<String> LIVEPATCHES = List.of("L1", "L2", "L3");

    /** A patch of the model kernel. */
    record Model(String name, Boolean attr, Managed managed) {}

    record World(PlanInput input, Set<String> unmanaged) {
        boolean hybrid() { return input.hybridAttr(); }
    }

    @Provide
    Arbitrary<World> worlds() {
        return Arbitraries.randomValue(HybridPlannerPropertiesTest::world);
    }

    static World world(Random r) {
        boolean hybrid = r.nextBoolean();
        PlanInputBuilder kernel = PlanInputBuilder.kernel().hybrid(hybrid);
        List<String> names = new ArrayList<>(NAMES);
        Collections.shuffle(names, r);
        Map<String, Managed> managed = new HashMap<>();
        Set<String> unmanaged = new HashSet<>();
        int loaded = r.nextInt(5);
        for (String n : names.subList(0, loaded)) {
            kernel.patch(n, hybrid ? r.nextBoolean() : null);
            if (r.nextInt(5) == 0) {
                unmanaged.add(n);
            } else {
                boolean replaceable = r.nextBoolean();
                Managed m = module(n, replaceable).atomicReplace(replaceable && r.nextInt(6) == 0).of(LIVEPATCHES.get(r.nextInt(3))).managed();
                managed.put(n, m);
                kernel.managing(m);
            }
        }
        if (r.nextInt(8) == 0) kernel.loadedModule(names.get(loaded)); // a module whose patch is gone, waiting for its rmmod
        List<String> pool = new ArrayList<>(NAMES);
        Collections.shuffle(pool, r);
        for (String n : pool.subList(0, r.nextInt(5))) {
            Managed m = managed.get(n);
            boolean replaceable = m != null && r.nextInt(4) > 0 ? m.replaceable() : r.nextBoolean();
            boolean atomic = replaceable && r.nextInt(5) == 0;
            String sha = m != null && r.nextInt(5) > 0 ? m.sha256() : "s2";
            kernel.desiring(module(n, replaceable).sha256(sha).atomicReplace(atomic).blocked(r.nextInt(10) == 0).of(LIVEPATCHES.get(r.nextInt(3))));
        }
        return new World(kernel.build(), unmanaged);
    }

    private static PlanModule module(String name, boolean replaceable) {
        return replaceable ? PlanModule.replaceable(name) : PlanModule.pinned(name);
    }

    /** Applies the plan's steps one by one to the model kernel, checking each against the kernel's rules; returns the stack after each step. */
    static List<List<Model>> apply(World w, Plan plan) {
        List<Model> stack = new ArrayList<>();
        for (PlanInput.Patch p : w.input().patches()) stack.add(new Model(p.name(), p.replaceableAttr(), w.input().managed().get(p.name())));
        List<List<Model>> after = new ArrayList<>();
        for (Step s : plan.steps()) {
            if (s instanceof Step.Protect p) {
                assertThat(w.hybrid()).as("Protect needs the hybrid attribute").isTrue();
                Model m = find(stack, p.patch());
                assertThat(m).as("Protect of a patch not enabled: %s", p.patch()).isNotNull();
                stack.set(stack.indexOf(m), new Model(m.name(), false, m.managed()));
            } else if (s instanceof Step.Disable d) {
                Model m = find(stack, d.patch());
                assertThat(m).as("Disable of a patch not enabled: %s", d.patch()).isNotNull();
                stack.remove(m);
            } else if (s instanceof Step.Load l) {
                assertThat(find(stack, l.patch())).as("Load of an enabled name: %s", l.patch()).isNull();
                assertThat(w.input().loadedModules()).as("insmod of a module still loaded: %s", l.patch()).doesNotContain(l.patch());
                if (l.module().atomicReplace()) stack.removeIf(m -> !w.hybrid() || !Boolean.FALSE.equals(m.attr()));
                Desired d = l.module();
                stack.add(new Model(d.name(), w.hybrid() ? Boolean.TRUE : null, PlanModule.from(d).blocked(false).managed()));
            }
            after.add(List.copyOf(stack));
        }
        return after;
    }

    private static Model find(List<Model> stack, String name) {
        return stack.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
    }

    private static Set<String> names(List<Model> stack) { return stack.stream().map(Model::name).collect(Collectors.toSet()); }

    @Property(tries = 1000)
    void aPinnedPatchThatStaysDesiredIsNeverDisabled(@ForAll("worlds") World w) {
        Plan plan = HybridPlanner.plan(w.input());
        Set<String> pinnedDesired = w.input().desired().stream().filter(Desired::pinned).map(Desired::name).collect(Collectors.toSet());
        Set<String> present = new HashSet<>();
        w.input().patches().forEach(p -> {
            if (pinnedDesired.contains(p.name())) present.add(p.name());
        });
        for (List<Model> stack : apply(w, plan)) {
            assertThat(names(stack)).as("pinned desired patches stay enabled").containsAll(present);
            stack.stream().filter(m -> pinnedDesired.contains(m.name())).forEach(m -> present.add(m.name()));
        }
        assertThat(plan.steps()).noneMatch(s -> s instanceof Step.Disable && pinnedDesired.contains(s.patch()));
    }

    @Property(tries = 1000)
    void anAtomicReplaceIsNeverLoadedOverPinnedOrUnmanagedPatchesWithoutTheHybridAttribute(@ForAll("worlds") World w) {
        Plan plan = HybridPlanner.plan(w.input());
        List<Model> before = new ArrayList<>();
        w.input().patches().forEach(p -> before.add(new Model(p.name(), p.replaceableAttr(), w.input().managed().get(p.name()))));
        List<List<Model>> after = apply(w, plan);
        for (int i = 0; i < plan.steps().size(); i++) {
            List<Model> stack = i == 0 ? before : after.get(i - 1);
            if (plan.steps().get(i) instanceof Step.Load l && l.module().atomicReplace()) {
                for (Model m : stack) {
                    boolean pinned = m.managed() != null && !m.managed().replaceable()
                            && w.input().desired().stream().anyMatch(d -> d.name().equals(m.name()));
                    boolean swept = !w.hybrid() || !Boolean.FALSE.equals(m.attr());
                    assertThat(pinned && swept).as("atomic %s sweeps pinned %s", l.patch(), m.name()).isFalse();
                    assertThat(m.managed() == null && swept).as("atomic %s sweeps unmanaged %s", l.patch(), m.name()).isFalse();
                }
            }
        }
    }

    @Property(tries = 1000)
    void duringAReplaceableUpgradeSomeVersionOfItsLivePatchIsEnabledAfterEveryStep(@ForAll("worlds") World w) {
        for (String livePatch : LIVEPATCHES) {
            Set<String> desiredOfIt = w.input().desired().stream().filter(d -> d.replaceable() && livePatch.equals(d.livePatch()))
                    .map(Desired::name).collect(Collectors.toSet());
            boolean replaceableEnabled = w.input().patches().stream().anyMatch(p -> p.enabled() && w.input().managed().containsKey(p.name())
                    && w.input().managed().get(p.name()).replaceable() && livePatch.equals(w.input().managed().get(p.name()).livePatch()));
            if (!replaceableEnabled || desiredOfIt.isEmpty()) continue;
            for (List<Model> stack : apply(w, HybridPlanner.plan(w.input()))) {
                assertThat(stack).as("some replaceable version of %s enabled in %s", livePatch, w)
                        .anyMatch(m -> m.managed() != null && (desiredOfIt.contains(m.name())
                                || (m.managed().replaceable() && livePatch.equals(m.managed().livePatch()))));
            }
        }
    }

    @Property(tries = 1000)
    void unmanagedPatchesAreNeverTouched(@ForAll("worlds") World w) {
        Plan plan = HybridPlanner.plan(w.input());
        assertThat(plan.steps()).noneMatch(s -> !(s instanceof Step.Load) && w.unmanaged().contains(s.patch()));
        for (List<Model> stack : apply(w, plan)) {
            assertThat(names(stack)).containsAll(w.unmanaged());
            stack.stream().filter(m -> w.unmanaged().contains(m.name()))
                    .forEach(m -> assertThat(m.attr()).isEqualTo(w.input().patches().stream().filter(p -> p.name().equals(m.name())).findFirst().orElseThrow().replaceableAttr()));
        }
    }

    @Property(tries = 1000)
    void applyingTheStepsConvergesToTheDesiredSet(@ForAll("worlds") World w) {
        Plan plan = HybridPlanner.plan(w.input());
        List<List<Model>> after = apply(w, plan);
        List<Model> end = after.isEmpty() ? initial(w) : after.get(after.size() - 1);
        Set<String> refused = plan.refusals().stream().map(Plan.Refusal::module).collect(Collectors.toSet());
        Set<String> loadable = w.input().desired().stream().filter(d -> !d.blocked() && !refused.contains(d.name()))
                .map(Desired::name).collect(Collectors.toSet());
        assertThat(names(end)).containsAll(loadable);
        boolean allLoadable = loadable.size() == w.input().desired().size();
        if (allLoadable) {
            Set<String> managedEnd = end.stream().filter(m -> m.managed() != null).map(Model::name).collect(Collectors.toSet());
            assertThat(managedEnd).isEqualTo(loadable);
        }
        // A fixpoint: planning again on the converged kernel (refused modules now Failed) has nothing left to do.
        PlanInputBuilder converged = PlanInputBuilder.kernel().hybrid(w.hybrid()).loadedModules(w.input().loadedModules());
        end.forEach(m -> converged.patch(m.name(), m.attr()));
        end.stream().filter(m -> m.managed() != null).forEach(m -> converged.managing(m.managed()));
        w.input().desired().forEach(d -> converged.desiring(refused.contains(d.name()) ? PlanModule.from(d).blocked().desired() : d));
        Plan again = HybridPlanner.plan(converged.build());
        assertThat(again.steps()).isEmpty();
    }

    private static List<Model> initial(World w) {
        List<Model> stack = new ArrayList<>();
        for (PlanInput.Patch p : w.input().patches()) stack.add(new Model(p.name(), p.replaceableAttr(), w.input().managed().get(p.name())));
        return stack;
    }
}
