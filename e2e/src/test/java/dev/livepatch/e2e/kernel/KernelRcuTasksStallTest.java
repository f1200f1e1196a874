package dev.livepatch.e2e.kernel;

import static dev.livepatch.e2e.kernel.GuestDaemon.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import java.time.Duration;
import org.junit.jupiter.api.Tag;

/**
 * The RCU-tasks stall on each of Debian's real kernels, through the daemon run in the guest as
 * {@link KernelDaemonScenariosTest} runs it: a transition whose end waits on an RCU-tasks grace period
 * that a kernel thread ({@code lp_rcu_holdout}) holds open, with hundreds of background tasks; the
 * kernel's {@code rcu_tasks_wait_gp} lines are counted into that transition's record.
 */
@Tag("kernel")
class KernelRcuTasksStallTest {
  static final int BACKGROUND_TASKS = 200;
  static final int HOLD_AFTER_WARNING_SECONDS = 4;
  /** HZ is 250 on the three kernels: one second of an RCU-tasks grace period between informational lines. */
  static final String[] BOOT_PARAMETERS = {
      "preempt=full", "rcupdate.rcu_task_stall_info=250", "rcupdate.rcu_task_stall_info_mult=1",
      "rcupdate.rcu_task_stall_timeout=15000"};

  @OnEachKernel
  void anUnpatchHeldByAnRcuTasksHoldoutRecordsTheKernelsWarnings(GuestKernel kernel) {
    KernelVm vm = kernel.vm("daemon_rcu_holdout").bootParameters(BOOT_PARAMETERS).timeout(Duration.ofMinutes(4))
        .env("LP_BACKGROUND_TASKS", String.valueOf(BACKGROUND_TASKS))
        .env("LP_HOLD_AFTER_WARNING", String.valueOf(HOLD_AFTER_WARNING_SECONDS));
    GuestDaemon d = GuestDaemon.in(vm);
    d.spec("load.json", d.replaceable("lp_cmdline_v1")).spec("empty.json");
    GuestRun run = vm.runScenario("daemon_rcu_holdout");
    assertThat(run.succeeded()).as(run.describe()).isTrue();
    assertThat(run.file("held-while-in-transition")).as("the patch was still there when the thread was released").contains("held");
    String kmsg = run.file("kmsg.rcu");
    long kernelLines = kmsg.lines().filter(l -> l.contains("rcu_tasks_wait_gp")).count();
    assertThat(kernelLines).as(kmsg).isPositive();

    TransitionRecord patching = transition(status(run, "load"), TransitionDirection.Patching);
    TransitionRecord unpatching = transition(status(run, "unload"), TransitionDirection.Unpatching);
    System.out.printf("kernel rcu holdout on %s: %s tasks; patching %.2f s (%d warnings); unpatching %.2f s, %d warnings"
            + " recorded, %d rcu_tasks_wait_gp lines in kmsg; boot %s ms, wall %d ms%n",
        kernel, run.file("tasks").trim(), patching.getSeconds(), patching.getRcuStallWarnings(), unpatching.getSeconds(),
        unpatching.getRcuStallWarnings(), kernelLines, run.boot().map(b -> String.valueOf(b.toMillis())).orElse("-"),
        run.wall().toMillis());
    assertThat(unpatching.getOutcome()).isEqualTo(TransitionOutcome.Completed);
    assertThat(unpatching.getRcuStallWarnings()).as(kmsg).isPositive().isLessThanOrEqualTo((int) kernelLines);
    assertThat(unpatching.getSeconds()).as("held at least until %d s after the first warning", HOLD_AFTER_WARNING_SECONDS)
        .isGreaterThanOrEqualTo(HOLD_AFTER_WARNING_SECONDS);
    assertThat(patching.getRcuStallWarnings()).as("no holdout while patching").isZero();
  }

  private static TransitionRecord transition(NodeLivePatchStatus s, TransitionDirection direction) {
    return s.getLastTransitions().stream()
        .filter(t -> t.getPatch().equals("lp_cmdline_v1") && t.getDirection() == direction).reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no " + direction + " transition of lp_cmdline_v1 in " + s.getLastTransitions()));
  }
}
