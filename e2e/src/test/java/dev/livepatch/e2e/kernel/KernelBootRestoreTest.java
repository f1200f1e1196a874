package dev.livepatch.e2e.kernel;

import static dev.livepatch.e2e.kernel.GuestDaemon.exitCode;
import static dev.livepatch.e2e.kernel.GuestDaemon.status;
import static dev.livepatch.e2e.kernel.KernelDaemonScenariosTest.scenario;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import org.junit.jupiter.api.Tag;

/**
 * The boot restore on a real kernel (docs/design.md §5 rule 15): one VM booted twice on the same
 * node state directory (its records and module cache kept in the shared directory between the
 * boots, as a node's disk keeps them), so the second boot has a new boot id and an empty kernel.
 * A one-shot pass converges a set and saves it; after the "reboot" {@code Main --restore}, with no
 * spec, no API server and no module source readable, brings the patches back from the cache, and a
 * module whose cache file was removed is reported and not loaded. The daemon's own pass afterwards
 * loads that one and finds the restored patch its own.
 */
@Tag("kernel")
class KernelBootRestoreTest {

  @OnOldestAndNewestKernel
  void aRebootedNodeGetsItsLastConvergedPatchesBackFromTheCacheAlone(GuestKernel kernel) {
    KernelVm vm = kernel.vm("daemon_boot_restore");
    GuestDaemon d = GuestDaemon.in(vm);
    NodeModule cmdline = d.replaceable("lp_cmdline_v1");
    d.spec("set.json", d.pinned("lp_version_v1"), cmdline);
    vm.env("LP_REMOVED_SHA", cmdline.getSource().getSha256());

    GuestRun first = scenario(vm, "daemon_boot_restore_first");
    assertThat(exitCode(first, "converge")).isZero();
    GuestRun second = scenario(vm, "daemon_boot_restore");

    assertThat(second.file("second.boot_id").strip()).as("a new boot").isNotEqualTo(first.file("first.boot_id").strip());
    assertThat(exitCode(second, "restore")).isEqualTo(3);
    assertThat(second.file("version.restored")).contains("livepatched by lp_version_v1");
    assertThat(second.file("cmdline.restored")).doesNotContain("livepatched");
    NodeLivePatchStatus restored = status(second, "restore");
    assertThat(restored.getBootId()).isEqualTo(second.file("second.boot_id").strip());
    assertThat(restored.getPatches()).extracting(KernelPatch::getName, KernelPatch::getManaged, KernelPatch::getEnabled)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("lp_version_v1", true, true));
    ModuleStatus missing = restored.getModules().stream().filter(m -> m.getName().equals("lp_cmdline_v1")).findFirst().orElseThrow();
    assertThat(missing.getState()).isEqualTo(ModuleState.Pending);
    assertThat(missing.getReason()).isEqualTo(NodeReasons.RETRYING);
    assertThat(missing.getMessage()).contains("local module cache").contains(cmdline.getSource().getSha256());
    assertThat(second.file("restore.log")).contains("boot restore done").contains("restored [lp_version_v1]")
        .contains("not restored: lp_cmdline_v1");

    NodeLivePatchStatus daemon = status(second, "daemon");
    assertThat(daemon.getModules()).allSatisfy(m -> assertThat(m.getState()).isEqualTo(ModuleState.Enabled));
    assertThat(second.file("cmdline.daemon")).contains("livepatched by lp_cmdline_v1");
    assertThat(loads(second, "restore")).as("the restore loads what the cache has").singleElement().asString().contains("name=lp_version_v1,");
    assertThat(loads(second, "daemon")).as("the restored patch is the daemon's own: loaded once").singleElement().asString()
        .contains("name=lp_cmdline_v1,");
  }

  /** The loads a pass logged ({@code msg="acting" action="Load[module=Desired[name=…, …]]"}). */
  private static java.util.List<String> loads(GuestRun run, String pass) {
    return run.file(pass + ".log").lines().filter(l -> l.contains("msg=\"acting\"") && l.contains("Load[")).toList();
  }
}
