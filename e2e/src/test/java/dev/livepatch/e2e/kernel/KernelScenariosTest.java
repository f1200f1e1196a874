package dev.livepatch.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The kernel facts of docs/design.md §4.1, each proven on Debian's 6.1 booted in QEMU by a busybox script in
 * {@code e2e/kernel/scenarios/} (each boots its own VM; the scripts say what they prove). These are
 * the ground truth the node daemon's kernel layer and its fakes must agree with.
 */
@Tag("kernel")
class KernelScenariosTest {

  @Test
  void loadAndUnloadShowsAndRemovesTheEffect() {
    GuestRun run = scenario("load_unload");
    assertThat(run.file("rmmod.err")).contains("Resource temporarily unavailable");
  }

  @Test
  void stackedPatchesOfOneFunctionRunTheNewest() {
    scenario("stacked");
  }

  @Test
  void atomicReplaceRetiresReplacedPatchesWhoseModulesStayLoaded() {
    scenario("atomic_replace");
  }

  @Test
  void atomicReplaceSweepsAPinnedPatchOnAStockKernel() {
    scenario("atomic_replace_sweeps_pinned");
  }

  @Test
  void upgradeByLoadBeforeRetireNeverLosesThePinnedOrTheUpgradedEffect() {
    GuestRun run = scenario("upgrade_keeps_pinned");
    assertThat(run.file("samples").lines().count()).as("samples of /proc during the upgrade").isGreaterThan(20);
  }

  @Test
  void stallHeldByATaskIsReportedAndReversed() {
    GuestRun run = scenario("stall_revert");
    assertThat(run.file("stack")).contains("lp_busy_work+").contains("[lp_busy]");
    assertThat(run.scriptOutput()).containsPattern("blocking task: pid=\\d+ comm=lp_busy");
  }

  @Test
  void stallCompletesOnceTheTaskLeavesTheFunction() {
    GuestRun run = scenario("stall_release");
    assertThat(run.scriptOutput()).contains("transition completed");
  }

  @Test
  void kernelLogHasTheLivepatchLines() {
    GuestRun run = scenario("kmsg_lines");
    assertThat(run.file("kmsg")).contains("livepatch: enabling patch 'lp_cmdline_v1'");
  }

  @Test
  void debian61HasNoReplaceNorStackOrderAttribute() {
    GuestRun run = scenario("capabilities");
    assertThat(run.file("attributes").lines()).containsExactlyInAnyOrder("enabled", "force", "transition", "vmlinux");
  }

  @Test
  void kernelRefusesBadVermagicFlagsButNotABadReleaseNorAPlainModule() {
    scenario("refusals");
  }

  @Test
  void hostKmodInTheGuestChrootLoadsIntoTheGuestKernel() {
    GuestRun run = scenario("chroot_kmod");
    assertThat(run.file("kmod-insmod-magic.err")).contains("Invalid module format");
  }

  private static GuestRun scenario(String name) {
    GuestRun run = KernelVm.named(name).runScenario(name);
    System.out.printf("kernel scenario %s: exit %s, boot %s ms, wall %d ms%n", name,
        run.exitCode().isPresent() ? run.exitCode().getAsInt() : "none",
        run.boot().map(d -> String.valueOf(d.toMillis())).orElse("-"), run.wall().toMillis());
    assertThat(run.succeeded()).as(run.describe()).isTrue();
    return run;
  }
}
