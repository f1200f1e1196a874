package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.BlockingTask;
import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.v1alpha1.PendingUnload;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.daemon.converge.Converger;
import dev.livepatch.daemon.kernel.Errno;
import dev.livepatch.daemon.sim.ElfModules;
import dev.livepatch.daemon.sim.SimKernel;
import dev.livepatch.daemon.sim.SimNode;
import dev.livepatch.daemon.time.ManualClock;
import io.fabric8.kubernetes.api.model.Condition;
import dev.livepatch.daemon.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.livepatch.daemon.converge.Statuses.condition;
import static dev.livepatch.daemon.converge.Statuses.module;
import static dev.livepatch.daemon.converge.Statuses.spec;
import static dev.livepatch.daemon.converge.Statuses.transitions;
import static org.assertj.core.api.Assertions.assertThat;

/** The converger against the simulated kernel: each test one hybrid-mode scenario end to end (docs/design.md §5). */
class ConvergerTest {
    @TempDir
    Path root;

    private final MetricRegistry registry = new MetricRegistry();

    private SimNode node(SimKernel.Config config) {
        return new SimNode(root, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), config,
                ConvergerSettings.defaults().withUnloadGrace(Duration.ofMinutes(5)), registry);
    }

    @Test
    void aBlockingTaskIsNamedByItsFirstFrameOutsideTheSleepHelpers() {
        // /proc/109/stack of lp_busy's thread held in lp_busy_work(), read on Debian's 6.1 in QEMU
        // (the kernel already leaves out __schedule; SysfsKernel drops the "[<0>] " prefix)
        List<String> held = List.of("msleep_interruptible+0x32/0x60", "lp_busy_work+0x1a/0x30 [lp_busy]",
                "lp_busy_thread+0xc/0x2c [lp_busy]", "kthread+0xda/0x100", "ret_from_fork+0x22/0x30");
        assertThat(BlockingTasks.where(held)).isEqualTo("lp_busy_work+0x1a/0x30 [lp_busy]");
        assertThat(BlockingTasks.where(List.of("[<0>] __schedule+0x34b/0x9e0", "[<0>] schedule_timeout+0x94/0x150", "[<0>] do_exit+0x1c/0x90")))
                .isEqualTo("[<0>] do_exit+0x1c/0x90");
        assertThat(BlockingTasks.where(List.of("usleep_range_state+0x80/0xc0"))).isEqualTo("usleep_range_state+0x80/0xc0");
    }

    @Test
    void blockingTasksThatCouldNotBeReadAreNotNoneSeen() {
        BlockingTask fio = new BlockingTask(4242, "fio", List.of("do_exit+0x1c/0x90"));
        assertThat(BlockingTasks.describe(List.of(), null)).isEqualTo("none seen");
        assertThat(BlockingTasks.describe(List.of(fio), null)).isEqualTo("4242 fio at do_exit+0x1c/0x90");
        assertThat(BlockingTasks.describe(List.of(), "failed to list /host/proc: Permission denied (EACCES)"))
                .isEqualTo("could not be read: failed to list /host/proc: Permission denied (EACCES)");
        assertThat(BlockingTasks.describe(List.of(fio), "failed to list /host/proc: Too many open files (EMFILE)"))
                .isEqualTo("4242 fio at do_exit+0x1c/0x90; the rest could not be read: failed to list /host/proc: Too many open files (EMFILE)");
    }

    @Test
    void loadsOneModuleAndReportsItEnabled() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", false, false);

        NodeLivePatchStatus s = node.converger().converge(spec(a), 3);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a");
        assertThat(module(s, "lp_a").getState()).isEqualTo(ModuleState.Enabled);
        assertThat(condition(s, "Ready").getStatus()).isEqualTo("True");
        assertThat(condition(s, "Ready").getObservedGeneration()).isEqualTo(3L);
        assertThat(s.getObservedGeneration()).isEqualTo(3L);
        assertThat(s.getKernelRelease()).isEqualTo("6.1.0-56-amd64");
        assertThat(s.getPatches()).extracting(KernelPatch::getName, KernelPatch::getManaged, KernelPatch::getSha256)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("lp_a", true, a.getSource().getSha256()));
        assertThat(s.getLastTransitions()).singleElement().satisfies(t -> {
            assertThat(t.getOutcome()).isEqualTo(TransitionOutcome.Completed);
            assertThat(t.getSeconds()).isGreaterThan(0.0);
        });
        assertThat(node.kernel().forceWrites()).isZero();
        assertThat(node.published()).anySatisfy(p -> assertThat(module(p, "lp_a").getState()).isEqualTo(ModuleState.Transitioning));
    }

    @Test
    void stacksModulesInSpecOrderOneTransitionAtATime() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", false, false);
        NodeModule b = node.module("lp1", "lp_b", true, false);
        NodeModule c = node.module("lp2", "lp_c", false, false);

        NodeLivePatchStatus s = node.converger().converge(spec(a, b, c), 1);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a", "lp_b", "lp_c");
        assertThat(transitions(s, TransitionDirection.Patching)).containsExactly("lp_a", "lp_b", "lp_c");
        assertThat(s.getPatches()).extracting(KernelPatch::getStackOrder).containsExactly(1, 2, 3);
        assertThat(node.kernel().transitionsStarted()).isEqualTo(3);
    }

    @Test
    void upgradesAReplaceablePatchNextToAPinnedOneWithoutAWindow() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule pin = node.module("lp-pin", "lp_pin", false, false);
        NodeModule r1 = node.module("lp-cum", "lp_cum_r1", true, false);
        NodeModule r2 = node.module("lp-cum", "lp_cum_r2", true, false);
        Converger daemon = node.converger();
        daemon.converge(spec(pin, r1), 1);

        List<List<String>> seen = new ArrayList<>();
        node.onSleep(d -> seen.add(node.kernel().enabledPatches()));
        NodeLivePatchStatus s = daemon.converge(spec(pin, r2), 2);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_pin", "lp_cum_r2");
        assertThat(seen).isNotEmpty().allSatisfy(enabled -> {
            assertThat(enabled).contains("lp_pin");
            assertThat(enabled).containsAnyOf("lp_cum_r1", "lp_cum_r2");
        });
        assertThat(transitions(s, TransitionDirection.Patching)).containsExactly("lp_pin", "lp_cum_r1", "lp_cum_r2");
        assertThat(transitions(s, TransitionDirection.Unpatching)).containsExactly("lp_cum_r1");
        // the retired module waits out its grace period, then is unloaded
        assertThat(s.getPendingUnloads()).extracting(PendingUnload::getModule).containsExactly("lp_cum_r1");
        assertThat(node.kernel().loadedModules()).contains("lp_cum_r1");
        node.sleep(Duration.ofMinutes(4));
        daemon.converge(spec(pin, r2), 2);
        assertThat(node.kernel().loadedModules()).contains("lp_cum_r1");
        node.sleep(Duration.ofMinutes(2));
        s = daemon.converge(spec(pin, r2), 2);
        assertThat(node.kernel().loadedModules()).containsExactly("lp_pin", "lp_cum_r2");
        assertThat(s.getPendingUnloads()).isEmpty();
        assertThat(condition(s, "Ready").getStatus()).isEqualTo("True");
    }

    @Test
    void refusesAtomicReplaceOverAPinnedPatchWithoutTheHybridAttribute() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule pin = node.module("lp-pin", "lp_pin", false, false);
        NodeModule r1 = node.module("lp-cum", "lp_cum_r1", true, false);
        NodeModule atomic = node.module("lp-cum", "lp_cum_r2", true, true);
        Converger daemon = node.converger();
        daemon.converge(spec(pin, r1), 1);

        NodeLivePatchStatus s = daemon.converge(spec(pin, atomic), 2);

        ModuleStatus refused = module(s, "lp_cum_r2");
        assertThat(refused.getState()).isEqualTo(ModuleState.Failed);
        assertThat(refused.getReason()).isEqualTo(NodeReasons.HYBRID_UNSUPPORTED);
        assertThat(refused.getMessage()).contains("lp_pin").contains("--non-replace").contains("nothing loaded");
        // nothing loaded, nothing swept, and the old replaceable fix stays until its successor is enabled
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_pin", "lp_cum_r1");
        assertThat(node.kernel().loadedModules()).doesNotContain("lp_cum_r2");
        assertThat(condition(s, "Ready").getStatus()).isEqualTo("False");
        assertThat(condition(s, "Degraded").getReason()).isEqualTo(NodeReasons.HYBRID_UNSUPPORTED);
    }

    @Test
    void allowsAtomicReplaceWithTheHybridAttributeProtectingPinnedPatches() throws Exception {
        SimNode node = node(SimKernel.Config.debian61().withHybridAttr(true));
        NodeModule pin = node.module("lp-pin", "lp_pin", false, false);
        NodeModule r1 = node.module("lp-cum", "lp_cum_r1", true, false);
        NodeModule atomic = node.module("lp-cum", "lp_cum_r2", true, true);
        Converger daemon = node.converger();
        daemon.converge(spec(pin, r1), 1);
        assertThat(node.kernel().replaceableAttr("lp_pin")).isTrue();

        NodeLivePatchStatus s = daemon.converge(spec(pin, atomic), 2);

        assertThat(node.kernel().replaceableAttr("lp_pin")).isFalse();
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_pin", "lp_cum_r2");
        assertThat(module(s, "lp_cum_r2").getState()).isEqualTo(ModuleState.Enabled);
        // r1 was swept by the replace, not disabled: no unpatching transition; its module waits for rmmod
        assertThat(transitions(s, TransitionDirection.Unpatching)).isEmpty();
        assertThat(s.getPendingUnloads()).extracting(PendingUnload::getModule).containsExactly("lp_cum_r1");
        assertThat(s.getCapabilities().getHybridAttr()).isTrue();
    }

    @Test
    void retiresTopmostFirst() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", false, false);
        NodeModule b = node.module("lp1", "lp_b", true, false);
        NodeModule c = node.module("lp1", "lp_c", false, false);
        Converger daemon = node.converger();
        daemon.converge(spec(a, b, c), 1);

        NodeLivePatchStatus s = daemon.converge(spec(), 2);

        assertThat(transitions(s, TransitionDirection.Unpatching)).containsExactly("lp_c", "lp_b", "lp_a");
        assertThat(node.kernel().enabledPatches()).isEmpty();
        assertThat(s.getPendingUnloads()).hasSize(3);
        assertThat(condition(s, "Ready").getStatus()).isEqualTo("True");
    }

    @Test
    void stallThenRevert() throws Exception {
        SimNode node = node(SimKernel.Config.debian61().withRcuWarningEvery(Duration.ofSeconds(20)));
        node.kernel().addTask(4242, "fio", List.of("[<0>] do_exit+0x1c/0x90", "[<0>] __x64_sys_exit+0x17/0x20"), true);
        node.kernel().addTask(7, "kworker/0:1", List.of("[<0>] worker_thread+0x100/0x3a0"), false);
        NodeModule a = node.module("lp1", "lp_a", false, false);
        a.setStallTimeout("60s");
        a.setOnStall(OnStall.Revert);

        NodeLivePatchStatus s = node.converger().converge(spec(a), 1);

        ModuleStatus m = module(s, "lp_a");
        assertThat(m.getState()).isEqualTo(ModuleState.Failed);
        assertThat(m.getReason()).isEqualTo(NodeReasons.STALL_REVERTED);
        assertThat(m.getMessage()).contains("4242 fio at do_exit+0x1c/0x90").contains("reversed");
        assertThat(node.kernel().enabledPatches()).isEmpty();
        assertThat(s.getPendingUnloads()).extracting(PendingUnload::getModule).containsExactly("lp_a");
        assertThat(s.getLastTransitions()).singleElement().satisfies(t -> {
            assertThat(t.getOutcome()).isEqualTo(TransitionOutcome.Reverted);
            assertThat(t.getRcuStallWarnings()).isGreaterThanOrEqualTo(3);
        });
        NodeLivePatchStatus stalled = node.published().stream()
                .filter(p -> p.getTransition() != null && !p.getTransition().getBlockingTasks().isEmpty()).findFirst().orElseThrow();
        assertThat(module(stalled, "lp_a").getState()).isEqualTo(ModuleState.Stalled);
        assertThat(condition(stalled, "Stalled").getStatus()).isEqualTo("True");
        assertThat(stalled.getTransition().getBlockingTasks()).singleElement().satisfies(t -> {
            assertThat(t.getPid()).isEqualTo(4242);
            assertThat(t.getComm()).isEqualTo("fio");
            assertThat(t.getStack()).first().isEqualTo("do_exit+0x1c/0x90"); // SysfsKernel drops the hidden address "[<0>] "
        });
        // a Failed module is not retried while its spec entry stays the same
        int started = node.kernel().transitionsStarted();
        node.converger().converge(spec(a), 1);
        assertThat(node.kernel().transitionsStarted()).isEqualTo(started);
        assertThat(registry.scrape()).contains("\nlivepatch_transition_stalls_total 1.0\n")
                .contains("\nlivepatch_transition_seconds_count{direction=\"Patching\",outcome=\"Reverted\"} 1\n")
                .as("the last transition's, kept after it").contains("\nlivepatch_transition_blocking_tasks 1.0\n");
        assertThat(node.kernel().forceWrites()).isZero();
    }

    @Test
    void stallThenWaitThenCompletion() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        node.kernel().addTask(4242, "fio", List.of("[<0>] do_exit+0x1c/0x90"), true);
        NodeModule a = node.module("lp1", "lp_a", false, false);
        a.setStallTimeout("30s");
        a.setOnStall(OnStall.Wait);
        Instant start = node.clock().instant();
        node.onSleep(d -> {
            if (node.clock().instant().isAfter(start.plusSeconds(90))) node.kernel().setStuck(4242, false);
        });

        NodeLivePatchStatus s = node.converger().converge(spec(a), 1);

        assertThat(module(s, "lp_a").getState()).isEqualTo(ModuleState.Enabled);
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a");
        assertThat(s.getLastTransitions()).singleElement().satisfies(t -> {
            assertThat(t.getOutcome()).isEqualTo(TransitionOutcome.CompletedAfterStall);
            assertThat(t.getSeconds()).isGreaterThan(90.0);
        });
        assertThat(node.published()).anySatisfy(p -> {
            assertThat(module(p, "lp_a").getState()).isEqualTo(ModuleState.Stalled);
            assertThat(module(p, "lp_a").getReason()).isEqualTo(NodeReasons.TRANSITION_STALLED);
        });
        assertThat(condition(s, "Stalled").getStatus()).isEqualTo("False");
    }

    @Test
    void refusesBadFilesAndLoadsNothing() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule badSha = node.module("lp1", "lp_sha", false, false);
        badSha.getSource().setSha256("0".repeat(64));
        NodeModule otherKernel = node.module("lp1", "lp_vermagic", false, false, ElfModules.livepatch("lp_vermagic", "6.12.9-amd64", false));
        NodeModule notLivepatch = node.module("lp1", "lp_plain", false, false,
                ElfModules.withModinfo(Map.of("name", "lp_plain", "vermagic", "6.1.0-56-amd64 SMP")));

        NodeLivePatchStatus s = node.converger().converge(spec(badSha, otherKernel, notLivepatch), 1);

        assertThat(module(s, "lp_sha").getReason()).isEqualTo(NodeReasons.CHECKSUM_MISMATCH);
        assertThat(module(s, "lp_vermagic").getReason()).isEqualTo(NodeReasons.VERMAGIC_MISMATCH);
        assertThat(module(s, "lp_vermagic").getMessage()).contains("6.12.9-amd64").contains("6.1.0-56-amd64");
        assertThat(module(s, "lp_plain").getReason()).isEqualTo(NodeReasons.NOT_A_LIVEPATCH);
        assertThat(s.getModules()).allSatisfy(m -> {
            assertThat(m.getState()).isEqualTo(ModuleState.Failed);
            assertThat(m.getMessage()).startsWith("failed to ").contains("nothing loaded");
        });
        assertThat(node.kernel().loadedModules()).isEmpty();
        assertThat(node.kernel().transitionsStarted()).isZero();
    }

    @Test
    void reappliesTheSpecFromTheCacheAfterAReboot() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", false, false);
        NodeModule b = node.module("lp1", "lp_b", true, false);
        node.converger().converge(spec(a, b), 1);
        Files.delete(node.root().resolve(SimNode.MODULE_DIR).resolve("lp_a.ko")); // the source is gone: only the cache has it
        Files.delete(node.root().resolve(SimNode.MODULE_DIR).resolve("lp_b.ko"));

        node.kernel().reboot("boot-2");
        assertThat(node.kernel().enabledPatches()).isEmpty();
        NodeLivePatchStatus s = node.converger().converge(spec(a, b), 1);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a", "lp_b");
        assertThat(s.getBootId()).isEqualTo("boot-2");
        assertThat(s.getModules()).allSatisfy(m -> assertThat(m.getState()).isEqualTo(ModuleState.Enabled));
        assertThat(s.getPatches()).allSatisfy(p -> assertThat(p.getManaged()).isTrue());
    }

    @Test
    void resumesATransitionFoundInFlightAfterARestart() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        node.kernel().addTask(100, "bash", List.of("[<0>] do_wait+0x1/0x2"), true);
        NodeModule a = node.module("lp1", "lp_a", false, false);
        Converger crashing = node.converger(d -> {
            throw new IllegalStateException("daemon killed");
        });
        try {
            crashing.converge(spec(a), 1);
        } catch (IllegalStateException expected) {
            // the process died in the middle of the transition
        }
        assertThat(node.kernel().inTransition()).isTrue();
        node.sleep(Duration.ofSeconds(20));
        node.kernel().setStuck(100, false);

        NodeLivePatchStatus s = node.converger().converge(spec(a), 1);

        assertThat(node.kernel().transitionsStarted()).isEqualTo(1); // awaited, not loaded again
        assertThat(module(s, "lp_a").getState()).isEqualTo(ModuleState.Enabled);
        assertThat(s.getPatches()).singleElement().satisfies(p -> assertThat(p.getManaged()).isTrue());
        assertThat(s.getLastTransitions()).singleElement().satisfies(t -> {
            assertThat(t.getOutcome()).isEqualTo(TransitionOutcome.Completed);
            // timed by what the daemons saw of it: the 20 s with no daemon running are not transition time
            assertThat(t.getSeconds()).isLessThan(20.0);
        });
    }

    @Test
    void leavesAnUnmanagedPatchAlone() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        node.kernel().loadForeign("vendor_fix", false);
        NodeModule a = node.module("lp1", "lp_a", true, false);
        NodeModule atomic = node.module("lp2", "lp_all", true, true);
        Converger daemon = node.converger();

        NodeLivePatchStatus s = daemon.converge(spec(a), 1);
        assertThat(node.kernel().enabledPatches()).containsExactly("vendor_fix", "lp_a");
        assertThat(s.getPatches()).extracting(KernelPatch::getName, KernelPatch::getManaged)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("vendor_fix", false), org.assertj.core.groups.Tuple.tuple("lp_a", true));

        s = daemon.converge(spec(atomic), 2);
        assertThat(module(s, "lp_all").getReason()).isEqualTo(NodeReasons.HYBRID_UNSUPPORTED);
        assertThat(module(s, "lp_all").getMessage()).contains("unmanaged patches [vendor_fix]");

        s = daemon.converge(spec(), 3);
        assertThat(node.kernel().enabledPatches()).containsExactly("vendor_fix");
        assertThat(transitions(s, TransitionDirection.Unpatching)).containsExactly("lp_a");
        assertThat(condition(s, "Ready").getStatus()).isEqualTo("True");
    }

    @Test
    void retriesInsmodOnEbusyOnly() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", false, false);
        NodeModule b = node.module("lp1", "lp_b", false, false);
        node.kernel().failNextInsmod(Errno.EBUSY);
        node.kernel().failNextInsmod(Errno.EBUSY);

        NodeLivePatchStatus s = node.converger().converge(spec(a), 1);
        assertThat(module(s, "lp_a").getState()).isEqualTo(ModuleState.Enabled);

        node.kernel().failNextInsmod(Errno.OTHER);
        s = node.converger().converge(spec(a, b), 2);
        assertThat(module(s, "lp_b").getState()).isEqualTo(ModuleState.Failed);
        assertThat(module(s, "lp_b").getReason()).isEqualTo(NodeReasons.LOAD_FAILED);
        assertThat(s.getLastTransitions()).last().satisfies(t -> assertThat(t.getOutcome()).isEqualTo(TransitionOutcome.Failed));
    }

    @Test
    void refusesANewBuildUnderALoadedName() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", true, false);
        Converger daemon = node.converger();
        daemon.converge(spec(a), 1);
        NodeModule rebuilt = node.module("lp1", "lp_a", true, false,
                ElfModules.withModinfo(Map.of("name", "lp_a", "livepatch", "Y", "vermagic", "6.1.0-56-amd64 SMP", "srcversion", "2")));

        NodeLivePatchStatus s = daemon.converge(spec(rebuilt), 2);

        assertThat(module(s, "lp_a").getState()).isEqualTo(ModuleState.Failed);
        assertThat(module(s, "lp_a").getMessage()).contains("new module name").contains("left enabled");
        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a");
        assertThat(node.kernel().transitionsStarted()).isEqualTo(1);
    }

    @Test
    void retainedPatchesStayLoadedAndBecomeUnmanaged() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", false, false);
        Converger daemon = node.converger();
        daemon.converge(spec(a), 1);

        NodeLivePatchSpec retain = spec();
        retain.setRetained(List.of("lp_a"));
        NodeLivePatchStatus s = daemon.converge(retain, 2);

        assertThat(node.kernel().enabledPatches()).containsExactly("lp_a");
        assertThat(s.getPatches()).singleElement().satisfies(p -> assertThat(p.getManaged()).isFalse());
        assertThat(condition(s, "Ready").getStatus()).isEqualTo("True");
    }

    @Test
    void anIdleNodePublishesTheSameStatus() throws Exception {
        SimNode node = node(SimKernel.Config.debian61());
        NodeModule a = node.module("lp1", "lp_a", false, false);
        Converger daemon = node.converger();
        NodeLivePatchStatus first = daemon.converge(spec(a), 1);
        node.sleep(Duration.ofMinutes(1));
        NodeLivePatchStatus second = daemon.converge(spec(a), 1);
        assertThat(new io.fabric8.kubernetes.client.utils.KubernetesSerialization().asJson(second))
                .isEqualTo(new io.fabric8.kubernetes.client.utils.KubernetesSerialization().asJson(first));
    }
}
