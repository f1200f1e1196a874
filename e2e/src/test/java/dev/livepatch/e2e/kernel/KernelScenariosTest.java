package dev.livepatch.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Tag;

/**
 * The kernel facts of docs/design.md §4.1, each proven on every kernel of the matrix (Debian's 6.1,
 * 6.12 and 7.2 booted in QEMU; {@link GuestKernel}) by a busybox script in
 * {@code e2e/kernel/scenarios/} (each boots its own VM; the scripts say what they prove and record
 * what differs per kernel, which these tests check against {@link GuestKernel}'s facts). These are
 * the ground truth the node daemon's kernel layer and its fakes must agree with.
 */
@Tag("kernel")
class KernelScenariosTest {

  @OnEachKernel
  void loadAndUnloadShowsAndRemovesTheEffect(GuestKernel kernel) {
    GuestRun run = scenario(kernel, "load_unload");
    assertThat(run.file("rmmod.err")).contains("Resource temporarily unavailable");
  }

  @OnEachKernel
  void stackedPatchesOfOneFunctionRunTheNewest(GuestKernel kernel) {
    scenario(kernel, "stacked");
  }

  /** stack_order (6.14+) numbers the loaded patches from 1 in load order and closes the gap a removed one leaves. */
  @OnEachKernel
  void stackOrderRenumbersAfterAMiddlePatchIsRemoved(GuestKernel kernel) {
    GuestRun run = scenario(kernel, "stack_order");
    List<String> three = run.file("stack_order.three").lines().toList();
    List<String> two = run.file("stack_order.two").lines().toList();
    if (kernel.hasStackOrder()) {
      assertThat(three).containsExactly("lp_cmdline_v1 1", "lp_cmdline_v2 2", "lp_version_v1 3");
      assertThat(two).containsExactly("lp_cmdline_v1 1", "lp_version_v1 2");
    } else {
      assertThat(three).containsExactly("lp_cmdline_v1 -", "lp_cmdline_v2 -", "lp_version_v1 -");
      assertThat(two).containsExactly("lp_cmdline_v1 -", "lp_version_v1 -");
    }
  }

  @OnEachKernel
  void atomicReplaceRetiresReplacedPatchesWhoseModulesStayLoaded(GuestKernel kernel) {
    GuestRun run = scenario(kernel, "atomic_replace");
    // /proc/modules after the replace: the replaced module Live with no user, the replacing one held by its patch
    assertThat(run.file("modules.replaced")).containsPattern("(?m)^lp_cmdline_v1 \\d+ 0 - Live ")
        .containsPattern("(?m)^lp_cumulative_v1 \\d+ 1 - Live ");
    assertThat(run.file("sysfs.replaced").lines()).containsExactly("lp_cumulative_v1");
    if (kernel.hasReplaceAttribute()) {
      assertThat(run.file("replace.values").lines()).containsExactly("lp_cmdline_v1 0", "lp_cumulative_v1 1");
    } else {
      assertThat(run.file("replace.values").lines()).containsExactly("lp_cmdline_v1 -", "lp_cumulative_v1 -");
    }
    assertThat(run.file("stack_order.replaced").strip()).isEqualTo(kernel.hasStackOrder() ? "1" : "-");
  }

  @OnEachKernel
  void atomicReplaceSweepsAPinnedPatchOnAStockKernel(GuestKernel kernel) {
    scenario(kernel, "atomic_replace_sweeps_pinned");
  }

  @OnEachKernel
  void upgradeByLoadBeforeRetireNeverLosesThePinnedOrTheUpgradedEffect(GuestKernel kernel) {
    GuestRun run = scenario(kernel, "upgrade_keeps_pinned");
    assertThat(run.file("samples").lines().count()).as("samples of /proc during the upgrade").isGreaterThan(20);
  }

  @OnEachKernel
  void stallHeldByATaskIsReportedAndReversed(GuestKernel kernel) {
    GuestRun run = scenario(kernel, "stall_revert");
    assertThat(run.file("stack")).contains("lp_busy_work+").contains("[lp_busy]");
    assertThat(run.scriptOutput()).containsPattern("blocking task: pid=\\d+ comm=lp_busy");
  }

  /**
   * The kernel's own signalling of a stalled transition: every 15th retry (one a second) it logs
   * {@code signaling remaining tasks} and wakes the blocking kthread, which does not release a
   * task that sleeps again inside the function; the revert still completes.
   */
  @OnEachKernel
  void stallIsSignalledByTheKernelOnThe15thRetryAndThenReverted(GuestKernel kernel) {
    GuestRun run = scenario(kernel, "stall_signal");
    double seconds = Double.parseDouble(run.file("signal.after").strip());
    assertThat(seconds).as("seconds from the transition's start to the kernel's signalling").isBetween(13.0, 25.0);
    assertThat(run.file("kmsg.stall")).containsSubsequence(
        "livepatch: 'lp_busy_fix_v1': starting patching transition",
        "livepatch: signaling remaining tasks",
        "livepatch: 'lp_busy_fix_v1': starting unpatching transition",
        "livepatch: 'lp_busy_fix_v1': unpatching complete");
    assertThat(run.file("kmsg.stall")).doesNotContain("'lp_busy_fix_v1': patching complete");
  }

  @OnEachKernel
  void stallCompletesOnceTheTaskLeavesTheFunction(GuestKernel kernel) {
    GuestRun run = scenario(kernel, "stall_release");
    assertThat(run.scriptOutput()).contains("transition completed");
  }

  /** The livepatch lines of a load, an unload, a stacked pair and an atomic replace: the same on every kernel measured. */
  @OnEachKernel
  void kernelLogHasTheLivepatchLines(GuestKernel kernel) {
    GuestRun run = scenario(kernel, "kmsg_lines");
    assertThat(run.file("kmsg")).contains("livepatch: enabling patch 'lp_cmdline_v1'");
    assertThat(run.file("livepatch.lines").lines().toList()).containsExactly(
        "livepatch: enabling patch 'lp_cmdline_v1'",
        "livepatch: 'lp_cmdline_v1': starting patching transition",
        "livepatch: 'lp_cmdline_v1': patching complete",
        "livepatch: 'lp_cmdline_v1': starting unpatching transition",
        "livepatch: 'lp_cmdline_v1': unpatching complete",
        "livepatch: enabling patch 'lp_cmdline_v1'",
        "livepatch: 'lp_cmdline_v1': starting patching transition",
        "livepatch: 'lp_cmdline_v1': patching complete",
        "livepatch: enabling patch 'lp_cumulative_v1'",
        "livepatch: 'lp_cumulative_v1': starting patching transition",
        "livepatch: 'lp_cumulative_v1': patching complete",
        "livepatch: 'lp_cumulative_v1': starting unpatching transition",
        "livepatch: 'lp_cumulative_v1': unpatching complete");
  }

  /**
   * What a capability probe can find: with no patch loaded /sys/kernel/livepatch is empty on every
   * kernel (nothing to read there), the optional attributes' handlers are in /proc/kallsyms; with a
   * patch loaded its directory shows exactly this kernel's attributes.
   */
  @OnEachKernel
  void capabilitiesShowWithAPatchLoadedAndInTheSymbolsWithout(GuestKernel kernel) {
    GuestRun run = scenario(kernel, "capabilities");
    assertThat(run.file("attributes.none")).isEmpty();
    assertThat(run.file("attributes").lines()).containsExactlyInAnyOrderElementsOf(kernel.patchAttributes());
    assertThat(run.file("object.attributes").lines()).containsExactlyInAnyOrder("cmdline_proc_show,1", "patched");
    List<String> handlers = run.file("kallsyms.handlers").lines().toList();
    assertThat(handlers.contains("replace_show")).as("replace_show in kallsyms: %s", handlers).isEqualTo(kernel.hasReplaceAttribute());
    assertThat(handlers.contains("stack_order_show")).as("stack_order_show in kallsyms: %s", handlers).isEqualTo(kernel.hasStackOrder());
  }

  @OnEachKernel
  void kernelRefusesBadVermagicFlagsAndAForeignReleaseOnlyWithoutModversions(GuestKernel kernel) {
    GuestRun run = scenario(kernel, "refusals");
    assertThat(run.file("release-vermagic").strip()).isEqualTo(kernel.loadsAForeignReleaseVermagic() ? "loaded" : "refused");
    if (!kernel.loadsAForeignReleaseVermagic()) {
      assertThat(run.file("release.err")).containsIgnoringCase("invalid module format");
      assertThat(run.file("kmsg.release")).contains("lp_cmdline_v1: version magic '" + kernel.foreignRelease());
    }
  }

  @OnEachKernel
  void hostKmodInTheGuestChrootLoadsIntoTheGuestKernel(GuestKernel kernel) {
    GuestRun run = scenario(kernel, "chroot_kmod");
    assertThat(run.file("kmod-insmod-magic.err")).contains("Invalid module format");
  }

  private static GuestRun scenario(GuestKernel kernel, String name) {
    GuestRun run = kernel.vm(name).runScenario(name);
    System.out.printf("kernel scenario %s on %s: exit %s, boot %s ms, wall %d ms%n", name, kernel.release(),
        run.exitCode().isPresent() ? run.exitCode().getAsInt() : "none",
        run.boot().map(d -> String.valueOf(d.toMillis())).orElse("-"), run.wall().toMillis());
    assertThat(run.succeeded()).as(run.describe()).isTrue();
    return run;
  }
}
