package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.daemon.kernel.Errno;
import dev.livepatch.daemon.kernel.KernelSnapshot;
import dev.livepatch.daemon.kernel.PatchState;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon's promises as invariants, checked after every step of random runs against a model of
 * the kernel with faults: random spec changes, slow and stuck transitions, refused loads, daemon
 * processes killed at any side effect (before or after it) and restarted from the host records,
 * reboots, time moving on. After every step:
 * <ul>
 *   <li>never more than one transition in flight;</li>
 *   <li>a pinned patch the spec keeps is never disabled, swept or unloaded;</li>
 *   <li>an upgrade never leaves a LivePatch without a fix: a replaceable LivePatch that had a version
 *       enabled, and is still desired, still has one;</li>
 *   <li>nothing that failed its checks is loaded;</li>
 *   <li>a module whose file says it overrides a kept pinned patch's function is never loaded above it
 *       (docs/design.md §5 rule 10).</li>
 * </ul>
 * Once the faults stop (and a new generation clears the failures they caused, as the operator's
 * retry does), the node converges to the last spec and its status says so, and a pinned patch's
 * function is never overridden by a replaceable one we loaded (one the file could not tell about is
 * disabled again once the kernel shows it).
 *
 * <p>A failure names the step that broke which rule; jqwik shrinks the run to a short one.
 */
class NodeDaemonModelTest {

    /** One step of a run. */
    sealed interface Op permits SetSpec, Slice, Advance, Stick, FailNextLoad, Crash, Restart, Reboot {}

    record SetSpec(int pinned, int upgrade, boolean bad, boolean onStallWait) implements Op {
        List<String> names() {
            List<String> n = new ArrayList<>();
            if ((pinned & 1) != 0) n.add("lp_pin1");
            if ((pinned & 2) != 0) n.add("lp_pin2");
            if (upgrade >= 1 && upgrade <= 3) n.add("lp_cum_v" + upgrade);
            if (upgrade == 4) n.add("lp_all");
            if (bad) {
                n.add("lp_badsha");
                n.add("lp_badname");
            }
            return n;
        }
    }

    record Slice() implements Op {}

    record Advance(int millis) implements Op {}

    record Stick(boolean stuck) implements Op {}

    record FailNextLoad(Errno errno) implements Op {}

    record Crash(int atSideEffect, boolean after) implements Op {}

    record Restart() implements Op {}

    record Reboot() implements Op {}

    @Provide
    Arbitrary<List<Op>> runs() {
        Arbitrary<Op> setSpec = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 4),
                Arbitraries.of(true, false, false, false), Arbitraries.of(true, false)).as(SetSpec::new);
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, setSpec),
                net.jqwik.api.Tuple.of(8, Arbitraries.just(new Slice())),
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(100, 8000).map(Advance::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(true, false).map(Stick::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(Errno.EBUSY, Errno.OTHER).map(FailNextLoad::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.of(true, false)).as(Crash::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Restart())),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Reboot())));
        return op.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 2000, shrinking = ShrinkingMode.BOUNDED)
    void theDaemonKeepsItsPromisesUnderFaults(@ForAll("runs") List<Op> run, @ForAll boolean modernKernel) {
        try (NodeWorld w = new NodeWorld(modernKernel)) {
            SetSpec current = new SetSpec(0, 0, false, false);
            NodeLivePatchSpec spec = w.spec(current.names(), OnStall.Revert);
            Map<String, Integer> keptSince = new HashMap<>(); // module name -> first step of its present stay in the spec
            int transitionStartedAt = -1;
            int lastLook = -1; // the last step in which a daemon looked at the kernel and the spec and lived
            for (int i = 0; i < run.size(); i++) {
                Op op = run.get(i);
                KernelSnapshot before = w.kernel();
                NodeLivePatchSpec specBefore = spec;
                String where = "step " + i + " " + op + " of " + run;
                if (op instanceof SetSpec s) {
                    current = s;
                    spec = w.spec(s.names(), s.onStallWait() ? OnStall.Wait : OnStall.Revert);
                } else if (op instanceof Slice) {
                    if (w.slice(spec) != null) lastLook = i;
                } else if (op instanceof Advance a) {
                    w.advance(Duration.ofMillis(a.millis()));
                } else if (op instanceof Stick s) {
                    w.stick(s.stuck());
                } else if (op instanceof FailNextLoad f) {
                    w.failNextLoad(f.errno());
                } else if (op instanceof Crash c) {
                    w.crashAt(c.atSideEffect(), c.after());
                    if (w.slice(spec) != null) lastLook = i;
                } else if (op instanceof Restart) {
                    w.restart();
                } else if (op instanceof Reboot) {
                    w.reboot();
                    continue; // a reboot empties the kernel: the rules are about what the daemon does
                }
                Set<String> inSpec = new HashSet<>();
                spec.getModules().forEach(m -> inSpec.add(m.getName()));
                if (desiresUpgrade(spec)) inSpec.add(UPGRADE); // the upgrade's LivePatch, any version
                if (desiresPinned(spec)) inSpec.add(PINNED); // the pinned LivePatch, either of its modules
                for (String kept : inSpec) keptSince.putIfAbsent(kept, i);
                keptSince.keySet().retainAll(inSpec);
                KernelSnapshot after = w.kernel();
                Optional<PatchState> t = after.inTransition();
                if (t.isPresent() && !t.get().name().equals(before.inTransition().map(PatchState::name).orElse(null))) transitionStartedAt = i;
                checkInvariants(w, before, after, specBefore, spec, new Blame(keptSince, transitionStartedAt, lastLook), where);
            }
            converges(w, current, run);
        }
    }

    /**
     * The boot restore (docs/design.md §5 rule 15): after a random run with faults, the node dies (a
     * new boot id) and the restore — itself killed at a random side effect once, then run again as the
     * kubelet does — brings back exactly the last set the node converged to, stacked as it was (but for
     * a module whose failure its spec entry carried at the reboot, rule 11), one transition at a time,
     * each module loaded at most once, nothing that failed its checks, no pinned function overridden;
     * then the daemon finds it converged and loads nothing again.
     */
    @Property(tries = 300, shrinking = ShrinkingMode.BOUNDED)
    void aRebootThenTheRestoreBringsBackTheLastConvergedSet(@ForAll("runs") List<Op> run, @ForAll boolean modernKernel,
                                                          @ForAll @net.jqwik.api.constraints.IntRange(min = -1, max = 3) int restoreDiesAt) {
        try (NodeWorld w = new NodeWorld(modernKernel)) {
            NodeLivePatchSpec spec = w.spec(List.of(), OnStall.Revert);
            for (Op op : run) {
                if (op instanceof SetSpec s) spec = w.spec(s.names(), s.onStallWait() ? OnStall.Wait : OnStall.Revert);
                else if (op instanceof Slice) w.slice(spec);
                else if (op instanceof Advance a) w.advance(Duration.ofMillis(a.millis()));
                else if (op instanceof Stick s) w.stick(s.stuck());
                else if (op instanceof FailNextLoad f) w.failNextLoad(f.errno());
                else if (op instanceof Crash c) {
                    w.crashAt(c.atSideEffect(), c.after());
                    w.slice(spec);
                } else if (op instanceof Restart) w.restart();
                else if (op instanceof Reboot) w.reboot();
            }
            HostState atReboot = w.records();
            ConvergedSet saved = atReboot.lastConverged;
            w.stopFaults();
            w.reboot();
            String where = "restore after " + run + " (saved: " + (saved == null ? "none" : saved.spec.getModules().stream().map(NodeModule::getName).toList()) + ")";
            int before = w.transitionsStarted();
            Map<String, Integer> loadsBefore = w.loads();
            if (restoreDiesAt >= 0) {
                w.crashAt(restoreDiesAt, false);
                w.restore();
                w.stopFaults();
            }
            dev.livepatch.daemon.restore.BootRestore.Outcome o = w.restore();
            assertThat(o).as("the restore ran to its end %s", where).isNotNull();
            KernelSnapshot k = w.kernel();
            assertThat(k.patches().stream().filter(PatchState::transition).count()).as("no transition left in flight %s", where).isZero();
            for (String bad : w.neverLoaded) assertThat(k.moduleLoaded(bad)).as("%s never loaded %s", bad, where).isFalse();
            Set<String> expected = new HashSet<>(); // a failure the restore itself records does not excuse a module
            if (saved != null) {
                for (NodeModule m : saved.spec.getModules()) {
                    HostState.Failure f = atReboot.failures.get(m.getName());
                    if (f == null || f.retryable || !f.specKey.equals(dev.livepatch.daemon.plan.DesiredSet.key(m))) expected.add(m.getName());
                }
            }
            assertThat(NodeWorld.settled(k)).as("the last converged set is back %s: %s", where, o.summary()).isEqualTo(expected);
            assertThat(k.patches()).as("nothing else loaded %s", where).allSatisfy(p -> assertThat(expected).contains(p.name()));
            List<String> stack = w.stack();
            assertThat(stack).as("stacked as it converged %s", where)
                    .isEqualTo(saved == null ? List.of() : saved.stack.stream().filter(expected::contains).toList());
            for (int top = 0; top < stack.size(); top++) {
                for (int below = 0; below < top; below++) {
                    String up = stack.get(top);
                    String pinned = stack.get(below);
                    boolean pin = saved.spec.getModules().stream().anyMatch(m -> m.getName().equals(pinned) && m.isPinned());
                    boolean repl = saved.spec.getModules().stream().anyMatch(m -> m.getName().equals(up) && !m.isPinned());
                    if (pin && repl) assertThat(shared(k, up, pinned)).as("%s never overrides pinned %s %s", up, pinned, where).isEmpty();
                }
            }
            // A module the kernel shows overriding a pinned function only after its load (rule 10) fails in the restore
            // after one load: that transition is the restore's too; its reversal starts none.
            Set<String> loaded = new HashSet<>();
            w.loads().forEach((name, n) -> {
                int byRestore = n - loadsBefore.getOrDefault(name, 0);
                assertThat(byRestore).as("%s loaded at most once across the restore's death %s", name, where).isLessThanOrEqualTo(1);
                if (byRestore == 1) loaded.add(name);
            });
            assertThat(loaded).as("every module restored was loaded by the restore %s", where).containsAll(expected);
            assertThat(w.transitionsStarted() - before).as("one transition per module the restore loaded, none twice across its death %s", where)
                    .isEqualTo(loaded.size());
            if (saved != null && expected.size() == saved.spec.getModules().size()) {
                assertThat(o.exitCode()).as("every module back: Ready %s: %s", where, o.summary()).isZero();
                int restored = w.transitionsStarted();
                w.restart();
                w.settle(saved.spec, 50);
                assertThat(w.transitionsStarted()).as("the daemon loads nothing a second time %s", where).isEqualTo(restored);
            }
        }
    }

    /**
     * A pinned patch the spec keeps, and a version of a LivePatch being upgraded, are never lost by
     * the daemon's doing: an atomic replace started for a spec without them, still loading when the
     * spec takes them back, must be reversed at the daemon's next look (a daemon that never looked
     * in time, killed or not scheduled, cannot stop the kernel from completing it).
     */
    /**
     * Whether the daemon is to blame for losing what the spec keeps ({@code keptSince}: since which
     * step): the transition that lost it started while the spec kept it, or a daemon looked at the
     * kernel and the spec since then (it must reverse such a transition at its first look).
     */
    record Blame(Map<String, Integer> keptSince, int transitionStartedAt, int lastLook) {
        boolean daemonsFault(String kept) {
            int since = keptSince.getOrDefault(kept, Integer.MAX_VALUE);
            return since <= transitionStartedAt || since <= lastLook;
        }
    }

    private static final String UPGRADE = "(upgrade)";
    private static final String PINNED = "(pinned)";

    private static void checkInvariants(NodeWorld w, KernelSnapshot before, KernelSnapshot after, NodeLivePatchSpec specBefore,
                                        NodeLivePatchSpec spec, Blame blame, String where) {
        assertThat(after.patches().stream().filter(PatchState::transition).count())
                .as("one transition at a time, after %s", where).isLessThanOrEqualTo(1);
        Set<String> settledBefore = NodeWorld.settled(before);
        Set<String> enabledAfter = enabled(after);
        for (NodeModule m : spec.getModules()) {
            boolean keptBySpec = specBefore.getModules().stream().anyMatch(b -> b.getName().equals(m.getName()));
            if (m.isPinned() && keptBySpec && settledBefore.contains(m.getName()) && blame.daemonsFault(m.getName())) {
                assertThat(enabledAfter).as("pinned %s never disabled, swept or unloaded, after %s", m.getName(), where).contains(m.getName());
                assertThat(after.moduleLoaded(m.getName())).as("pinned %s stays loaded, after %s", m.getName(), where).isTrue();
            }
        }
        // A loaded version that overrides a kept pinned patch's function is disabled again (rule 10): that may leave none.
        boolean ejectable = settledBefore.stream().filter(NodeDaemonModelTest::isUpgrade).anyMatch(u -> !overridden(before, u, spec).isEmpty());
        if (desiresUpgrade(specBefore) && desiresUpgrade(spec) && settledBefore.stream().anyMatch(NodeDaemonModelTest::isUpgrade)
                && blame.daemonsFault(UPGRADE) && !ejectable) {
            assertThat(after.patches().stream().anyMatch(p -> p.enabled() && isUpgrade(p.name())))
                    .as("some version of %s enabled throughout the upgrade, after %s", NodeWorld.UPGRADE_LP, where).isTrue();
        }
        if (desiresPinned(specBefore) && desiresPinned(spec) && settledBefore.stream().anyMatch(NodeDaemonModelTest::isPinned)
                && blame.daemonsFault(PINNED)) {
            assertThat(after.patches().stream().anyMatch(p -> p.enabled() && isPinned(p.name())))
                    .as("some patch of %s enabled while it moves to another pinned module, after %s", NodeWorld.PINNED_LP, where).isTrue();
        }
        for (PatchState p : after.patches()) {
            if (before.patch(p.name()).isEmpty() && p.name().equals(NodeWorld.READABLE_OVERLAP)) {
                assertThat(overridden(after, p.name(), spec)).as("%s's file says it overrides a pinned function: never loaded above it, after %s",
                        p.name(), where).isEmpty();
            }
        }
        for (String bad : w.neverLoaded) {
            assertThat(after.moduleLoaded(bad)).as("%s failed its checks and is never loaded, after %s", bad, where).isFalse();
        }
    }

    /** Faults stop; a new generation clears the failures they caused; the node must reach the last spec and say so. */
    private static void converges(NodeWorld w, SetSpec last, List<Op> run) {
        w.stopFaults();
        w.bumpGeneration();
        NodeLivePatchSpec spec = w.spec(last.names(), last.onStallWait() ? OnStall.Wait : OnStall.Revert);
        NodeLivePatchStatus status = w.settle(spec, 500);
        KernelSnapshot k = w.kernel();
        String where = "after the faults stopped, with spec " + last.names() + ", in " + run;
        assertThat(status).as("a status %s", where).isNotNull();
        Set<String> settled = NodeWorld.settled(k);
        for (NodeModule m : spec.getModules()) {
            ModuleStatus ms = status.getModules().stream().filter(s -> s.getName().equals(m.getName())).findFirst().orElseThrow();
            if (w.neverLoaded.contains(m.getName()) || m.getName().equals("lp_badname")) {
                assertThat(ms.getState()).as("%s refused %s", m.getName(), where).isEqualTo(ModuleState.Failed);
            } else if (ms.getState() == ModuleState.Failed && "FunctionOverlap".equals(ms.getReason())) {
                // refused or disabled again over a pinned patch of the spec it would override (rule 10)
                assertThat(m.getName()).as("%s refused for an overlap %s", m.getName(), where).isIn("lp_cum_v2", "lp_cum_v3");
                assertThat(spec.getModules()).as("the pinned patch it overlaps is in the spec %s", where)
                        .anyMatch(p -> p.getName().equals(m.getName().equals("lp_cum_v2") ? "lp_pin1" : "lp_pin2"));
            } else if (m.getName().equals("lp_all") && spec.getModules().stream().anyMatch(NodeModule::isPinned)
                    && ms.getState() == ModuleState.Failed) {
                // refused over the pinned patches; loaded before them (they waited), it sweeps nothing and is fine too
                assertThat(ms.getReason()).as("%s refused over pinned patches %s", m.getName(), where).isEqualTo("HybridUnsupported");
            } else {
                assertThat(settled).as("%s enabled %s (status %s: %s)", m.getName(), where, ms.getState(), ms.getMessage()).contains(m.getName());
                assertThat(ms.getState()).as("%s reported enabled %s", m.getName(), where).isEqualTo(ModuleState.Enabled);
            }
        }
        List<String> stack = w.stack();
        for (int top = 0; top < stack.size(); top++) {
            for (int below = 0; below < top; below++) {
                String r = stack.get(top);
                String p = stack.get(below);
                boolean pinnedKept = spec.getModules().stream().anyMatch(m -> m.getName().equals(p) && m.isPinned());
                boolean replaceable = spec.getModules().stream().anyMatch(m -> m.getName().equals(r) && !m.isPinned());
                if (pinnedKept && replaceable) {
                    assertThat(shared(k, r, p)).as("a pinned patch's function is never overridden by a replaceable one we loaded: %s above %s %s",
                            r, p, where).isEmpty();
                }
            }
        }
        Set<String> desired = new HashSet<>();
        spec.getModules().forEach(m -> desired.add(m.getName()));
        // A refused upgrade leaves the old version in place (load before retire): its LivePatch's older versions may stay.
        boolean upgradeRefused = status.getModules().stream().anyMatch(ms -> isUpgrade(ms.getName()) && ms.getState() == ModuleState.Failed);
        assertThat(k.patches().stream().map(PatchState::name).filter(n -> !desired.contains(n) && !(upgradeRefused && isUpgrade(n))).toList())
                .as("nothing outside the spec stays loaded %s", where).isEmpty();
        assertThat(k.inTransition()).as("no transition left in flight %s", where).isEmpty();
        assertThat(status.getObservedGeneration()).as("the status is of the last spec %s", where).isEqualTo(w.generation());
    }

    /** The functions {@code patch} (as {@code k} shows it) shares with the pinned patches of {@code spec} enabled in {@code k}. */
    private static Set<String> overridden(KernelSnapshot k, String patch, NodeLivePatchSpec spec) {
        Set<String> out = new HashSet<>();
        for (NodeModule m : spec.getModules()) {
            if (m.isPinned() && !m.getName().equals(patch) && k.patch(m.getName()).map(PatchState::enabled).orElse(false)) {
                out.addAll(shared(k, patch, m.getName()));
            }
        }
        return out;
    }

    private static Set<String> shared(KernelSnapshot k, String a, String b) {
        Set<String> fa = new HashSet<>();
        k.patch(a).ifPresent(p -> p.functions().forEach(f -> fa.add(f.toString())));
        Set<String> fb = new HashSet<>();
        k.patch(b).ifPresent(p -> p.functions().forEach(f -> fb.add(f.toString())));
        fa.retainAll(fb);
        return fa;
    }

    private static boolean desiresUpgrade(NodeLivePatchSpec spec) {
        return spec.getModules().stream().anyMatch(m -> isUpgrade(m.getName()));
    }

    private static boolean isUpgrade(String name) { return name.startsWith("lp_cum_v"); }

    private static boolean desiresPinned(NodeLivePatchSpec spec) {
        return spec.getModules().stream().anyMatch(m -> isPinned(m.getName()));
    }

    private static boolean isPinned(String name) { return name.startsWith("lp_pin"); }

    private static Set<String> enabled(KernelSnapshot k) {
        Set<String> out = new HashSet<>();
        k.patches().stream().filter(PatchState::enabled).forEach(p -> out.add(p.name()));
        return out;
    }
}
