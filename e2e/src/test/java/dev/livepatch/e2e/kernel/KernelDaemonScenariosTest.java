package dev.livepatch.e2e.kernel;

import static dev.livepatch.e2e.kernel.GuestDaemon.exitCode;
import static dev.livepatch.e2e.kernel.GuestDaemon.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.livepatch.api.v1alpha1.HealthGates;
import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.v1alpha1.OnUnhealthy;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.daemon.module.ModInfo;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.function.Consumer;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;

/**
 * The node daemon's own code on the kernels of the matrix (Debian's 6.1, 6.12 and 7.2 booted in
 * QEMU; {@link GuestKernel}): the tests of what a kernel's attributes change on each of them, the
 * others on 6.1 and 7.2 ({@link OnOldestAndNewestKernel} says why). Each test boots a VM whose
 * script ({@code e2e/kernel/scenarios/daemon_*.sh}) runs one-shot passes of
 * {@code dev.livepatch.daemon.Main} in a JVM inside the guest against the guest's real
 * {@code /sys} and {@code /proc}, checks the kernel's state with the shell helpers, and leaves the
 * daemon's status JSON in the shared directory, which these tests read back.
 *
 * <p>The specs are written here ({@link GuestDaemon}); the scripts name them. Stall timeouts are
 * a few seconds; nothing is timed: every wait in the guest is bounded and generous.
 */
@Tag("kernel")
class KernelDaemonScenariosTest {

  private static final Map<GuestKernel, GuestRun> LOAD_UNLOAD = new HashMap<>();

  /** One boot per kernel serves the four tests that read the load/unload passes (and the refused misnamed module). */
  private static synchronized GuestRun loadUnload(GuestKernel kernel) {
    return LOAD_UNLOAD.computeIfAbsent(kernel, k -> {
      KernelVm vm = k.vm("daemon_load_unload");
      GuestDaemon daemon = GuestDaemon.in(vm);
      daemon.spec("mismatch.json", daemon.module("lp_cmdline_v9", "lp_cmdline_v1", true))
          .spec("load.json", daemon.replaceable("lp_cmdline_v1")).spec("empty.json");
      return scenario(vm, "daemon_load_unload");
    });
  }

  @OnEachKernel
  void loadsAndUnloadsAPatchWithItsEffectAppearingAndDisappearing(GuestKernel kernel) {
    GuestRun run = loadUnload(kernel);
    assertThat(run.file("cmdline.loaded")).contains("cmdline livepatched by lp_cmdline_v1");
    assertThat(run.file("cmdline.unloaded")).doesNotContain("livepatched");

    NodeLivePatchStatus loaded = status(run, "load");
    assertReady(loaded);
    assertThat(loaded.getModules()).singleElement().satisfies(state(ModuleState.Enabled, NodeReasons.CONVERGED));
    assertThat(loaded.getPatches()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("lp_cmdline_v1");
      assertThat(p.getEnabled()).isTrue();
      assertThat(p.getTransition()).isFalse();
      assertThat(p.getManaged()).isTrue();
    });
    assertThat(loaded.getKernelRelease()).isEqualTo(run.file("uname").trim());
    assertThat(loaded.getLastTransitions()).singleElement()
        .satisfies(transition("lp_cmdline_v1", TransitionDirection.Patching, TransitionOutcome.Completed));

    NodeLivePatchStatus unloaded = status(run, "unload");
    assertReady(unloaded);
    assertThat(unloaded.getPatches()).isEmpty();
    assertThat(unloaded.getPendingUnloads()).isEmpty();
    assertThat(unloaded.getLastTransitions()).last()
        .satisfies(transition("lp_cmdline_v1", TransitionDirection.Unpatching, TransitionOutcome.Completed));
  }

  /** The same answer with a patch loaded (its attributes) and with none (the kernel's symbols). */
  @OnEachKernel
  void probesTheCapabilitiesWithAndWithoutAPatchLoaded(GuestKernel kernel) {
    GuestRun run = loadUnload(kernel);
    for (String pass : List.of("load", "mismatch", "unload")) {
      NodeLivePatchStatus s = status(run, pass);
      assertThat(s.getPatches()).as("patches in pass %s", pass).hasSize(pass.equals("load") ? 1 : 0);
      assertThat(s.getCapabilities().getLivepatch()).as("livepatch, pass %s", pass).isTrue();
      assertThat(s.getCapabilities().getReplaceAttr()).as("replaceAttr, pass %s", pass).isEqualTo(kernel.hasReplaceAttribute());
      assertThat(s.getCapabilities().getStackOrderAttr()).as("stackOrderAttr, pass %s", pass).isEqualTo(kernel.hasStackOrder());
    }
    assertThat(status(run, "load").getCapabilities().getHybridAttr()).isFalse();
  }

  @OnEachKernel
  void recognisesTheKernelLogLinesOfItsTransitions(GuestKernel kernel) {
    GuestRun run = loadUnload(kernel);
    assertThat(run.file("load.log"))
        .contains("livepatch: enabling patch 'lp_cmdline_v1'")
        .contains("livepatch: 'lp_cmdline_v1': starting patching transition");
    assertThat(run.file("unload.log"))
        .contains("livepatch: 'lp_cmdline_v1': starting unpatching transition");
  }

  @OnOldestAndNewestKernel
  void stacksTwoPatchesOfOneFunctionAndRetiresTheTopmost(GuestKernel kernel) {
    KernelVm vm = kernel.vm("daemon_stacked");
    GuestDaemon d = GuestDaemon.in(vm);
    d.spec("both.json", d.replaceable("lp_cmdline_v1"), d.replaceable("lp_cmdline_v2"))
        .spec("lower.json", d.replaceable("lp_cmdline_v1"));
    GuestRun run = scenario(vm, "daemon_stacked");

    NodeLivePatchStatus both = status(run, "both");
    assertReady(both);
    assertThat(both.getPatches()).extracting(KernelPatch::getName, KernelPatch::getStackOrder)
        .containsExactly(tuple("lp_cmdline_v1", 1), tuple("lp_cmdline_v2", 2));
    assertThat(run.file("cmdline.both")).contains("lp_cmdline_v2");

    NodeLivePatchStatus lower = status(run, "lower");
    assertReady(lower);
    assertThat(lower.getPatches()).extracting(KernelPatch::getName).containsExactly("lp_cmdline_v1");
    assertThat(lower.getLastTransitions()).last()
        .satisfies(transition("lp_cmdline_v2", TransitionDirection.Unpatching, TransitionOutcome.Completed));
    assertThat(run.file("cmdline.lower")).contains("lp_cmdline_v1");
  }

  /**
   * Retired topmost first (the stack: the daemon's record of the load order, or the kernel's stack_order where it has one),
   * not by name; and records lost are rebuilt by adopting the loaded patches whose build id is the spec's file's.
   */
  @OnOldestAndNewestKernel
  void retiresInReverseLoadOrder(GuestKernel kernel) throws java.io.IOException {
    KernelVm vm = kernel.vm("daemon_retire_order");
    GuestDaemon d = GuestDaemon.in(vm);
    d.spec("reversed.json", d.replaceable("lp_cmdline_v2"), d.replaceable("lp_cmdline_v1")).spec("none.json");
    GuestRun run = scenario(vm, "daemon_retire_order");

    NodeLivePatchStatus reversed = status(run, "reversed");
    assertReady(reversed);
    assertThat(reversed.getPatches()).extracting(KernelPatch::getName, KernelPatch::getStackOrder)
        .containsExactly(tuple("lp_cmdline_v2", 1), tuple("lp_cmdline_v1", 2));
    assertThat(run.file("cmdline.reversed")).contains("lp_cmdline_v1");

    // records lost: adopted by the build id the kernel shows, which is the spec's file's
    assertThat(run.file("v1.build-id.hex").strip())
        .contains(ModInfo.parse(java.nio.file.Files.readAllBytes(vm.image().module("lp_cmdline_v1"))).buildIdHex().orElseThrow());
    NodeLivePatchStatus adopt = status(run, "adopt");
    assertReady(adopt);
    assertThat(adopt.getPatches()).extracting(KernelPatch::getName, KernelPatch::getManaged)
        .containsExactly(tuple("lp_cmdline_v2", true), tuple("lp_cmdline_v1", true));

    NodeLivePatchStatus none = status(run, "none");
    assertReady(none);
    assertThat(none.getLastTransitions()).filteredOn(t -> t.getDirection() == TransitionDirection.Unpatching)
        .extracting(TransitionRecord::getPatch).containsExactly("lp_cmdline_v1", "lp_cmdline_v2");
    assertThat(run.file("unpatching.order").lines().toList()).hasSize(2)
        .satisfies(lines -> assertThat(lines.get(0)).contains("'lp_cmdline_v1'"));
  }

  @OnOldestAndNewestKernel
  void upgradesAReplaceablePatchWhileThePinnedOneNeverDisappears(GuestKernel kernel) {
    KernelVm vm = kernel.vm("daemon_upgrade_keeps_pinned");
    GuestDaemon d = GuestDaemon.in(vm);
    d.spec("v1.json", d.pinned("lp_version_v1"), d.replaceable("lp_cmdline_v1"))
        .spec("v2.json", d.pinned("lp_version_v1"), d.replaceable("lp_cmdline_v2"));
    GuestRun run = scenario(vm, "daemon_upgrade_keeps_pinned");

    List<String> samples = run.file("samples").lines().toList();
    assertThat(samples).as("samples of /proc/version | /proc/cmdline during the upgrade pass").hasSizeGreaterThan(20)
        .allSatisfy(line -> assertThat(line).contains("version livepatched by lp_version_v1")
            .containsPattern("cmdline livepatched by lp_cmdline_v[12] "));
    NodeLivePatchStatus v2 = status(run, "v2");
    assertReady(v2);
    assertThat(v2.getPatches()).extracting(KernelPatch::getName, KernelPatch::getReplaceable)
        .containsExactly(tuple("lp_version_v1", false), tuple("lp_cmdline_v2", true));
    // load before retire: v2's patching transition came before v1's unpatching one
    assertThat(v2.getLastTransitions()).extracting(TransitionRecord::getPatch, TransitionRecord::getDirection)
        .containsSubsequence(tuple("lp_cmdline_v2", TransitionDirection.Patching), tuple("lp_cmdline_v1", TransitionDirection.Unpatching));
    assertThat(v2.getLastTransitions()).noneMatch(t -> t.getPatch().equals("lp_version_v1") && t.getDirection() == TransitionDirection.Unpatching);
  }

  @OnEachKernel
  void replacesACumulativePatchAtomicallyAndUnloadsTheReplacedModule(GuestKernel kernel) {
    KernelVm vm = kernel.vm("daemon_atomic_replace");
    GuestDaemon d = GuestDaemon.in(vm);
    d.spec("v1.json", d.atomicReplace("lp_cumulative_v1")).spec("v2.json", d.atomicReplace("lp_cumulative_v2"));
    GuestRun run = scenario(vm, "daemon_atomic_replace");

    NodeLivePatchStatus v2 = status(run, "v2");
    assertReady(v2);
    assertThat(v2.getPatches()).extracting(KernelPatch::getName).containsExactly("lp_cumulative_v2");
    assertThat(v2.getPendingUnloads()).isEmpty();
    // v1 was superseded by v2's transition, never disabled on its own
    assertThat(v2.getLastTransitions()).noneMatch(t -> t.getDirection() == TransitionDirection.Unpatching);
    assertThat(run.file("v2.log")).contains("unloaded after its grace period").contains("module=\"lp_cumulative_v1\"");
  }

  @OnEachKernel
  void refusesAnAtomicReplaceOverAPinnedPatchOnThisKernel(GuestKernel kernel) {
    KernelVm vm = kernel.vm("daemon_atomic_refused");
    GuestDaemon d = GuestDaemon.in(vm);
    d.spec("pinned.json", d.pinned("lp_version_v1"))
        .spec("atomic.json", d.pinned("lp_version_v1"), d.atomicReplace("lp_cumulative_v1"));
    GuestRun run = scenario(vm, "daemon_atomic_refused");

    NodeLivePatchStatus s = status(run, "atomic");
    assertThat(exitCode(run, "atomic")).isEqualTo(3);
    assertThat(module(s, "lp_version_v1")).satisfies(state(ModuleState.Enabled, NodeReasons.CONVERGED));
    assertThat(module(s, "lp_cumulative_v1")).satisfies(state(ModuleState.Failed, NodeReasons.HYBRID_UNSUPPORTED));
    assertThat(module(s, "lp_cumulative_v1").getMessage()).contains("lp_version_v1");
    assertThat(s.getPatches()).extracting(KernelPatch::getName).containsExactly("lp_version_v1");
  }

  @OnEachKernel
  void refusesAWrongVermagicAWrongSha256AndANonLivepatchModule(GuestKernel kernel) {
    KernelVm vm = kernel.vm("daemon_refusals");
    GuestDaemon d = GuestDaemon.in(vm);
    NodeModule wrongSha = d.pinned("lp_version_v1");
    wrongSha.getSource().setSha256(GuestDaemon.sha256(vm.image().module("lp_cmdline_v2")));
    d.spec("bad.json", d.module("lp_cmdline_v1", "lp_cmdline_v1.vermagic-release", true), wrongSha, d.replaceable("lp_plain"));
    GuestRun run = scenario(vm, "daemon_refusals");

    NodeLivePatchStatus s = status(run, "bad");
    assertThat(exitCode(run, "bad")).isEqualTo(3);
    assertThat(module(s, "lp_cmdline_v1")).satisfies(state(ModuleState.Failed, NodeReasons.VERMAGIC_MISMATCH));
    assertThat(module(s, "lp_cmdline_v1").getMessage()).contains(kernel.foreignRelease()).contains(vm.image().kernelRelease());
    assertThat(module(s, "lp_version_v1")).satisfies(state(ModuleState.Failed, NodeReasons.CHECKSUM_MISMATCH));
    assertThat(module(s, "lp_plain")).satisfies(state(ModuleState.Failed, NodeReasons.NOT_A_LIVEPATCH));
    assertThat(s.getPatches()).isEmpty();
    assertThat(s.getLastTransitions()).isEmpty();
  }

  /**
   * The module is what the spec says it is, and the bytes loaded are the bytes checked, on the real
   * kernel: a module built as lp_cmdline_v1 declared as lp_cmdline_v9 is refused before anything is
   * loaded (the kernel would load it as lp_cmdline_v1, as a renamed copy shows), and the load and
   * unload passes of {@link #loadsAndUnloadsAPatchWithItsEffectAppearingAndDisappearing} ran with
   * kmod unusable in the daemon's chroot: finit_module and delete_module, no insmod.
   */
  @OnEachKernel
  void refusesAModuleBuiltUnderAnotherNameAndLoadsThroughFinitModuleWithoutKmod(GuestKernel kernel) {
    GuestRun run = loadUnload(kernel);
    NodeLivePatchStatus mismatch = status(run, "mismatch");
    assertThat(exitCode(run, "mismatch")).isEqualTo(3);
    assertThat(module(mismatch, "lp_cmdline_v9")).satisfies(state(ModuleState.Failed, NodeReasons.NAME_MISMATCH));
    assertThat(module(mismatch, "lp_cmdline_v9").getMessage()).contains("'lp_cmdline_v1'").contains("'lp_cmdline_v9'");
    assertThat(mismatch.getPatches()).isEmpty();
    assertThat(run.file("modules.mismatch")).doesNotContain("lp_cmdline");
    assertThat(run.file("renamed.patches").lines()).containsExactly("lp_cmdline_v1");
    assertThat(run.file("renamed.modules").lines()).contains("lp_cmdline_v1").doesNotContain("lp_renamed");

    assertThat(run.file("kmod.hidden")).contains("/bin/false");
    assertThat(run.file("load.log")).as("JNA's stub, unpacked where the chroot is writable").contains("Extracting library to /run/tmp/");
    assertReady(status(run, "load"));
    assertReady(status(run, "unload"));
  }

  @OnOldestAndNewestKernel
  void revertsAStalledTransitionReportingTheBlockingTask(GuestKernel kernel) {
    GuestRun run = busyFixScenario(kernel, "daemon_stall_revert", "3s", OnStall.Revert);
    int pid = assertReportedStalledByTheHeldThread(run);

    NodeLivePatchStatus end = status(run, "revert");
    assertThat(exitCode(run, "revert")).isEqualTo(3);
    assertThat(module(end, "lp_busy_fix_v1")).satisfies(state(ModuleState.Failed, NodeReasons.STALL_REVERTED));
    assertThat(module(end, "lp_busy_fix_v1").getMessage()).contains(pid + " lp_busy at lp_busy_work+");
    assertThat(end.getPatches()).isEmpty();
    assertThat(end.getPendingUnloads()).isEmpty();
    assertThat(end.getTransition()).isNull();
    assertThat(end.getLastTransitions()).singleElement()
        .satisfies(transition("lp_busy_fix_v1", TransitionDirection.Patching, TransitionOutcome.Reverted));
  }

  @OnOldestAndNewestKernel
  void waitsOutAStallThatCompletesOnceTheTaskIsReleased(GuestKernel kernel) {
    GuestRun run = busyFixScenario(kernel, "daemon_stall_wait", "3s", OnStall.Wait);
    assertReportedStalledByTheHeldThread(run);

    NodeLivePatchStatus end = status(run, "wait");
    assertReady(end);
    assertThat(module(end, "lp_busy_fix_v1")).satisfies(state(ModuleState.Enabled, NodeReasons.CONVERGED));
    assertThat(end.getLastTransitions()).singleElement()
        .satisfies(transition("lp_busy_fix_v1", TransitionDirection.Patching, TransitionOutcome.CompletedAfterStall));
  }

  @OnOldestAndNewestKernel
  void convergesAfterBeingKilledInTheMiddleOfATransition(GuestKernel kernel) {
    GuestRun run = busyFixScenario(kernel, "daemon_killed_restart", "600s", OnStall.Wait);

    NodeLivePatchStatus killed = GuestDaemon.parse(run.file("killed.status.json"));
    assertThat(killed.getTransition()).isNotNull();
    assertThat(killed.getTransition().getPatch()).isEqualTo("lp_busy_fix_v1");
    assertThat(module(killed, "lp_busy_fix_v1").getState()).isEqualTo(ModuleState.Transitioning);

    NodeLivePatchStatus end = status(run, "second");
    assertReady(end);
    assertThat(module(end, "lp_busy_fix_v1")).satisfies(state(ModuleState.Enabled, NodeReasons.CONVERGED));
    assertThat(end.getPatches()).singleElement().satisfies(p -> assertThat(p.getManaged()).isTrue());
    // the transition the first pass started, finished by the second: one record, no second load
    assertThat(end.getLastTransitions()).singleElement()
        .satisfies(transition("lp_busy_fix_v1", TransitionDirection.Patching, TransitionOutcome.Completed));
  }

  /** docs/design.md §5 rule 13 on a real kernel: a patch that WARN()s once enabled fails its health gate and is reverted. */
  @OnOldestAndNewestKernel
  void aHealthGateCatchesAWarningWhenEnabledAndRevertsToTheOldVersion(GuestKernel kernel) {
    KernelVm vm = kernel.vm("daemon_health_gate");
    GuestDaemon d = GuestDaemon.in(vm);
    NodeModule v1 = d.replaceable("lp_cmdline_v1");
    v1.setLivePatch("lp-health");
    NodeModule warn = d.replaceable("lp_warn_cmdline");
    warn.setLivePatch("lp-health");
    warn.setHealthGates(new HealthGates("5s", OnUnhealthy.Revert));
    d.spec("v1.json", v1).spec("warn.json", warn);
    GuestRun run = scenario(vm, "daemon_health_gate");

    assertThat(run.file("cmdline.after")).contains("cmdline livepatched by lp_cmdline_v1");
    NodeLivePatchStatus s = status(run, "warn");
    assertThat(module(s, "lp_warn_cmdline")).satisfies(state(ModuleState.Failed, NodeReasons.HEALTH_GATE_FAILED));
    assertThat(module(s, "lp_warn_cmdline").getMessage()).contains("WARNING: ").contains("W (bit 9)").contains("onUnhealthy: Revert");
    long before = Long.parseLong(run.file("tainted.before").trim());
    long after = Long.parseLong(run.file("tainted.after").trim());
    assertThat(after & ~before).as("taint bits the warning set (before %s, after %s)", before, after).isEqualTo(1L << 9);
    assertThat(s.getLastTransitions()).extracting(TransitionRecord::getPatch, TransitionRecord::getDirection)
        .containsSubsequence(tuple("lp_warn_cmdline", TransitionDirection.Patching), tuple("lp_warn_cmdline", TransitionDirection.Unpatching));
    assertThat(s.getLastTransitions()).noneMatch(t -> t.getPatch().equals("lp_cmdline_v1") && t.getDirection() == TransitionDirection.Unpatching);
  }

  // ---- helpers ----

  private static ModuleStatus module(NodeLivePatchStatus s, String name) {
    return s.getModules().stream().filter(m -> m.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no module " + name + " in the status; " + describe(s)));
  }

  /** Boots {@code vm} on scenario {@code name}, prints its timing and requires it to succeed. */
  static GuestRun scenario(KernelVm vm, String name) {
    GuestRun run = vm.runScenario(name);
    System.out.printf("kernel daemon scenario %s on %s: exit %s, boot %s ms, wall %d ms%n", name, vm.image().kernelRelease(),
        run.exitCode().isPresent() ? run.exitCode().getAsInt() : "none",
        run.boot().map(d -> String.valueOf(d.toMillis())).orElse("-"), run.wall().toMillis());
    assertThat(run.succeeded()).as(run.describe()).isTrue();
    return run;
  }

  /** A VM whose script loads lp_busy (held) and runs the daemon on [lp_busy_fix_v1] with this stall policy. */
  private static GuestRun busyFixScenario(GuestKernel kernel, String name, String stallTimeout, OnStall onStall) {
    KernelVm vm = kernel.vm(name);
    GuestDaemon d = GuestDaemon.in(vm);
    d.spec("fix.json", GuestDaemon.onStall(d.replaceable("lp_busy_fix_v1"), stallTimeout, onStall));
    return scenario(vm, name);
  }

  /**
   * The status the guest kept while the transition was stalled ({@code stalled.status.json}) is
   * Stalled and names the held thread as the blocking task: its pid, comm and a stack through
   * lp_busy_work. Returns that pid.
   */
  private static int assertReportedStalledByTheHeldThread(GuestRun run) {
    int pid = Integer.parseInt(run.file("busy.pid").trim());
    NodeLivePatchStatus s = GuestDaemon.parse(run.file("stalled.status.json"));
    assertThat(s.getConditions()).filteredOn(c -> c.getType().equals("Stalled")).singleElement()
        .satisfies(c -> assertThat(c.getStatus()).isEqualTo("True"));
    assertThat(module(s, "lp_busy_fix_v1")).satisfies(state(ModuleState.Stalled, NodeReasons.TRANSITION_STALLED));
    assertThat(s.getTransition()).as(describe(s)).isNotNull();
    assertThat(s.getTransition().getPatch()).isEqualTo("lp_busy_fix_v1");
    assertThat(s.getTransition().getBlockingTasks()).filteredOn(t -> t.getPid() == pid).singleElement().satisfies(t -> {
      assertThat(t.getComm()).isEqualTo("lp_busy");
      assertThat(t.getStack()).anySatisfy(frame -> assertThat(frame).startsWith("lp_busy_work+").endsWith("[lp_busy]"));
    });
    return pid;
  }

  private static void assertReady(NodeLivePatchStatus s) {
    assertThat(s.getConditions()).filteredOn(c -> c.getType().equals("Ready")).singleElement()
        .satisfies(c -> assertThat(c.getStatus()).as(describe(s)).isEqualTo("True"));
    assertThat(s.getTransition()).isNull();
  }

  private static Consumer<ModuleStatus> state(ModuleState state, String reason) {
    return m -> {
      assertThat(m.getState()).as("state of %s: %s", m.getName(), m.getMessage()).isEqualTo(state);
      assertThat(m.getReason()).as("reason of %s: %s", m.getName(), m.getMessage()).isEqualTo(reason);
    };
  }

  private static Consumer<TransitionRecord> transition(String patch, TransitionDirection direction, TransitionOutcome outcome) {
    return t -> {
      assertThat(t.getPatch()).isEqualTo(patch);
      assertThat(t.getDirection()).isEqualTo(direction);
      assertThat(t.getOutcome()).isEqualTo(outcome);
    };
  }

  private static String describe(NodeLivePatchStatus s) {
    StringBuilder b = new StringBuilder("status: ");
    for (Condition c : s.getConditions()) {
      b.append(c.getType()).append('=').append(c.getStatus()).append(" (").append(c.getReason()).append(": ")
          .append(c.getMessage()).append("); ");
    }
    for (ModuleStatus m : s.getModules()) {
      b.append(m.getName()).append(' ').append(m.getState()).append(' ').append(m.getReason()).append("; ");
    }
    for (KernelPatch p : s.getPatches()) {
      b.append("patch ").append(p.getName()).append(" enabled=").append(p.getEnabled()).append("; ");
    }
    return b.toString();
  }
}
