package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.BlockingTask;
import dev.livepatch.api.v1alpha1.Transition;
import dev.livepatch.daemon.kernel.BlockingTaskScan;
import dev.livepatch.daemon.kernel.Kernel;
import dev.livepatch.daemon.kernel.KernelSnapshot;

import java.time.Duration;
import java.time.Instant;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The tasks blocking the transition in flight: read from the kernel once it stalled (at most every few seconds), and named in messages. */
final class BlockingTasks {
    private static final Duration REFRESH = Duration.ofSeconds(5);
    private final Kernel kernel;
    private Transition last;
    /** Why the last read of the tasks was cut short (/proc could not be listed); null when it was complete. */
    private String unreadable;
    private Instant readAt = Instant.EPOCH;

    BlockingTasks(Kernel kernel) { this.kernel = kernel; }

    /** The transition in flight as the status shows it; blocking tasks are read once it stalled, at most every few seconds. */
    Transition view(HostState records, KernelSnapshot k, boolean stalled, Instant now) {
        HostState.InFlight f = records.inFlight;
        if (f == null || k.inTransition().isEmpty()) {
            last = null;
            unreadable = null;
            return null;
        }
        Transition t = new Transition();
        t.setPatch(f.patch);
        t.setDirection(f.direction);
        t.setStartedAt(f.startedAt);
        boolean sameAsBefore = last != null && last.getPatch().equals(f.patch);
        if (stalled && (!sameAsBefore || Duration.between(readAt, now).compareTo(REFRESH) >= 0)) {
            int target = k.inTransition().get().enabled() ? 1 : 0;
            BlockingTaskScan scan = kernel.blockingTasks(target, Transition.MAX_BLOCKING_TASKS);
            t.setBlockingTasks(scan.tasks());
            unreadable = scan.unreadable();
            readAt = now;
        } else if (sameAsBefore) {
            t.setBlockingTasks(last.getBlockingTasks());
        } else {
            unreadable = null;
        }
        last = t;
        return t;
    }


    /** Scheduler and sleep frames, with or without the hidden-address prefix: a sleeping task's stack starts with them. */
    private static final Pattern SLEEP_FRAME = Pattern.compile(
            "^(\\[<[0-9a-fx]+>\\]\\s*)?(__schedule|schedule\\w*|preempt_schedule\\w*|io_schedule\\w*|\\w*sleep\\w*|__refrigerator)\\+.*");

    /** Whether the last read has something to say: tasks found, or why they could not be read. */
    boolean worthRecording(Transition t) {
        return t != null && (!t.getBlockingTasks().isEmpty() || unreadable != null);
    }

    /** The transition's blocking tasks for a message, as last read: named, "none seen", or why they could not be read. */
    String describe(Transition t) {
        return describe(t == null ? List.of() : t.getBlockingTasks(), t == null ? null : unreadable);
    }

    static String describe(List<BlockingTask> tasks, String unreadable) {
        String named = tasks.stream().map(t -> t.getPid() + " " + t.getComm() + (t.getStack().isEmpty() ? "" : " at " + where(t.getStack())))
                .collect(Collectors.joining(", "));
        if (unreadable != null) return tasks.isEmpty() ? "could not be read: " + unreadable : named + "; the rest could not be read: " + unreadable;
        return tasks.isEmpty() ? "none seen" : named;
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
