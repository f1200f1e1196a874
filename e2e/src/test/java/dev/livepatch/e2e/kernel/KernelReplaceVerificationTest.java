package dev.livepatch.e2e.kernel;

import static dev.livepatch.e2e.kernel.GuestDaemon.exitCode;
import static dev.livepatch.e2e.kernel.GuestDaemon.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.daemon.module.KlpElf;
import java.io.IOException;
import java.nio.file.Files;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The daemon's check of a declared {@code atomicReplace} against the kernel's {@code replace} attribute
 * (docs/design.md §5), on the kernels that have it (6.11+), with a module whose file cannot say it
 * replaces ({@code lp_rt_cumulative}: its klp_patch is built at run time) next to a pinned patch.
 */
@Tag("kernel")
class KernelReplaceVerificationTest {

  static Stream<GuestKernel> kernelsWithReplace() {
    return GuestKernel.each().filter(GuestKernel::hasReplaceAttribute);
  }

  // none when -Dlivepatch.kernels names only kernels without replace (6.1): nothing to run, nothing passed
  @ParameterizedTest(name = "on {0}", allowZeroInvocations = true)
  @MethodSource("kernelsWithReplace")
  void anUndeclaredAtomicReplaceIsCaughtFromTheKernelsReplaceAttribute(GuestKernel kernel) throws IOException {
    assertThat(KlpElf.read(Files.readAllBytes(kernel.image().module("lp_rt_cumulative")))).as("built at run time: unreadable").isEmpty();
    KernelVm vm = kernel.vm("daemon_replace_undeclared");
    GuestDaemon d = GuestDaemon.in(vm);
    d.spec("pinned.json", d.pinned("lp_version_v1"))
        .spec("undeclared.json", d.pinned("lp_version_v1"), d.replaceable("lp_rt_cumulative"));
    GuestRun run = vm.runScenario("daemon_replace_undeclared");
    assertThat(run.succeeded()).as(run.describe()).isTrue();
    System.out.printf("kernel replace verification on %s: sysfs %s; modules %s; boot %s ms, wall %d ms%n", kernel,
        run.file("sysfs.after").trim().replace('\n', ';'), run.file("modules.after").trim().replace('\n', ';'),
        run.boot().map(b -> String.valueOf(b.toMillis())).orElse("-"), run.wall().toMillis());
    assertThat(exitCode(run, "undeclared")).isEqualTo(3);

    NodeLivePatchStatus s = status(run, "undeclared");
    assertThat(module(s, "lp_rt_cumulative")).satisfies(m -> {
      assertThat(m.getState()).isEqualTo(ModuleState.Failed);
      assertThat(m.getReason()).isEqualTo(NodeReasons.ATOMIC_REPLACE_UNDECLARED);
      assertThat(m.getMessage()).contains("replace=1", "atomicReplace: false");
    });
    // the kernel completed the replace inside finit_module on this idle guest, sweeping the pinned patch; the
    // daemon left the replace enabled (the fix left) and loaded the swept pinned module again on top of it
    assertThat(run.file("sysfs.after")).contains("lp_rt_cumulative replace=1 enabled=1", "lp_version_v1 replace=0 enabled=1");
    assertThat(run.file("cmdline.after")).contains("livepatched by lp_rt_cumulative");
    assertThat(run.file("version.after")).contains("livepatched by lp_version_v1");
    assertThat(run.file("kmsg.livepatch").lines().filter(l -> l.contains("enabling patch")).map(l -> l.replaceAll(".*enabling patch ", "")))
        .containsExactly("'lp_version_v1'", "'lp_rt_cumulative'", "'lp_version_v1'");
    assertThat(module(s, "lp_version_v1").getState()).as("the swept pinned patch, loaded again").isEqualTo(ModuleState.Enabled);
    assertThat(s.getLastTransitions()).extracting(TransitionRecord::getPatch)
        .containsExactly("lp_version_v1", "lp_rt_cumulative", "lp_version_v1");
  }

  private static ModuleStatus module(NodeLivePatchStatus s, String name) {
    return s.getModules().stream().filter(m -> m.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no module " + name + " in the status"));
  }
}
