package dev.livepatch.daemon.execute;

import dev.livepatch.api.v1alpha1.BlockingTask;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** How blocking tasks are named in messages and logs. */
final class BlockingTasks {
    /** Scheduler and sleep frames, with or without the hidden-address prefix: a sleeping task's stack starts with them. */
    private static final Pattern SLEEP_FRAME = Pattern.compile(
            "^(\\[<[0-9a-fx]+>\\]\\s*)?(__schedule|schedule\\w*|preempt_schedule\\w*|io_schedule\\w*|\\w*sleep\\w*|__refrigerator)\\+.*");

    private BlockingTasks() {}

    static String describe(List<BlockingTask> tasks) {
        if (tasks.isEmpty()) return "none seen";
        return tasks.stream().map(t -> t.getPid() + " " + t.getComm() + (t.getStack().isEmpty() ? "" : " at " + where(t.getStack())))
                .collect(Collectors.joining(", "));
    }

    /**
     * Where a blocking task is, for a message: its first frame outside the scheduler and the sleep
     * helpers. On a real kernel the top frame of a sleeping task names the helper it sleeps in, not
     * the patched function that holds the transition (Debian's 6.1, lp_busy's thread:
     * {@code msleep_interruptible, lp_busy_work [lp_busy], lp_busy_thread, kthread, ret_from_fork});
     * the whole stack stays in {@code status.transition}.
     */
    static String where(List<String> stack) {
        return stack.stream().filter(f -> !SLEEP_FRAME.matcher(f).matches()).findFirst().orElse(stack.get(0));
    }
}
