package dev.livepatch.e2e.kernel;

import static dev.livepatch.e2e.kernel.GuestDaemon.exitCode;
import static dev.livepatch.e2e.kernel.GuestDaemon.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.FunctionOverlap;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.daemon.kernel.PatchedFunction;
import dev.livepatch.daemon.module.KlpElf;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;

/**
 * Function overlaps (docs/design.md §5 rule 10) on each of Debian's real kernels booted in QEMU, through the
 * daemon run in the guest as {@link KernelDaemonScenariosTest} runs it: the real modules' files read
 * before the load, the kernel's {@code <patch>/<object>/<function>,<sympos>} layout read after it.
 */
@Tag("kernel")
class KernelFunctionOverlapTest {
  private static final PatchedFunction CMDLINE = new PatchedFunction("vmlinux", "cmdline_proc_show", 1);

  @OnEachKernel
  void theRealModulesFilesSayWhatTheyPatchWhereTheirKlpPatchIsStatic(GuestKernel kernel) throws IOException {
    KernelImage image = kernel.image();
    assertThat(read(image, "lp_cmdline_v1")).isEqualTo(new KlpElf.Patch(false, Set.of(CMDLINE)));
    assertThat(read(image, "lp_cumulative_v2")).isEqualTo(new KlpElf.Patch(true, Set.of(CMDLINE)));
    assertThat(read(image, "lp_version_v1").functions()).containsExactly(new PatchedFunction("vmlinux", "version_proc_show", 1));
    assertThat(read(image, "lp_busy_fix_v1").functions()).containsExactly(new PatchedFunction("lp_busy", "lp_busy_work", 1));
    assertThat(KlpElf.read(Files.readAllBytes(image.module("lp_rt_cmdline")))).as("built at run time: unreadable").isEmpty();
    assertThat(KlpElf.read(Files.readAllBytes(image.module("lp_plain")))).as("not a livepatch").isEmpty();
  }

  @OnEachKernel
  void refusesBeforeTheLoadDisablesAfterItAndAcceptsWhatTheSpecAllows(GuestKernel kernel) {
    KernelVm vm = kernel.vm("daemon_function_overlap");
    GuestDaemon d = GuestDaemon.in(vm);
    NodeModule accepted = d.replaceable("lp_cmdline_v2");
    accepted.setAllowFunctionOverlap(List.of("cmdline_proc_show"));
    d.spec("refused.json", d.pinned("lp_cmdline_v1"), d.replaceable("lp_cmdline_v2"))
        .spec("runtime.json", d.pinned("lp_cmdline_v1"), d.replaceable("lp_rt_cmdline"))
        .spec("accepted.json", d.pinned("lp_cmdline_v1"), accepted);
    GuestRun run = vm.runScenario("daemon_function_overlap");
    System.out.printf("kernel daemon scenario daemon_function_overlap: boot %s ms, wall %d ms%n",
        run.boot().map(b -> String.valueOf(b.toMillis())).orElse("-"), run.wall().toMillis());
    assertThat(run.succeeded()).as(run.describe()).isTrue();

    // the kernel's layout: <patch>/<object>/<function>,<sympos> (sympos 0 in the file shows as 1)
    assertThat(run.file("sysfs.v1")).contains("/lp_cmdline_v1/vmlinux/cmdline_proc_show,1");

    NodeLivePatchStatus refused = status(run, "refused");
    assertThat(exitCode(run, "refused")).isNotZero();
    assertThat(module(refused, "lp_cmdline_v2")).satisfies(m -> {
      assertThat(m.getState()).isEqualTo(ModuleState.Failed);
      assertThat(m.getReason()).isEqualTo(NodeReasons.FUNCTION_OVERLAP);
      assertThat(m.getMessage()).contains("vmlinux/cmdline_proc_show,1", "pinned patch lp_cmdline_v1", "nothing loaded");
    });
    assertThat(run.file("cmdline.refused")).contains("lp_cmdline_v1");

    NodeLivePatchStatus runtime = status(run, "runtime");
    assertThat(module(runtime, "lp_rt_cmdline")).satisfies(m -> {
      assertThat(m.getReason()).as(m.getMessage()).isEqualTo(NodeReasons.FUNCTION_OVERLAP);
      assertThat(m.getMessage()).contains("pinned patch lp_cmdline_v1", "disabled again");
    });
    assertThat(runtime.getLastTransitions()).filteredOn(t -> t.getPatch().equals("lp_rt_cmdline"))
        .extracting(TransitionRecord::getDirection, TransitionRecord::getOutcome)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(TransitionDirection.Patching, TransitionOutcome.Completed),
            org.assertj.core.groups.Tuple.tuple(TransitionDirection.Unpatching, TransitionOutcome.Completed));
    assertThat(run.file("cmdline.runtime")).contains("lp_cmdline_v1");

    NodeLivePatchStatus ok = status(run, "accepted");
    assertThat(module(ok, "lp_cmdline_v2").getState()).isEqualTo(ModuleState.Enabled);
    assertThat(ok.getFunctionOverlaps())
        .containsExactly(new FunctionOverlap(CMDLINE.toString(), List.of("lp_cmdline_v1", "lp_cmdline_v2"), true));
    assertThat(run.file("cmdline.accepted")).contains("lp_cmdline_v2");
  }

  private static KlpElf.Patch read(KernelImage image, String module) throws IOException {
    return KlpElf.read(Files.readAllBytes(image.module(module))).orElseThrow(() -> new AssertionError(module + " unreadable"));
  }

  private static ModuleStatus module(NodeLivePatchStatus s, String name) {
    return s.getModules().stream().filter(m -> m.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no module " + name + " in the status"));
  }
}
