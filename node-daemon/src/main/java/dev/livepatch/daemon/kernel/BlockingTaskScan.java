package dev.livepatch.daemon.kernel;

import dev.livepatch.api.v1alpha1.BlockingTask;

import java.util.List;
import java.util.Optional;

/**
 * The tasks a transition waits for, as /proc showed them, and why the look was cut short when /proc
 * could not be listed: "no task blocks" and "the tasks could not be read" are different answers.
 *
 * @param tasks the blocking tasks found (those before the failure when {@code unreadable} is set)
 * @param unreadable why /proc could not be listed; {@code null} when the look was complete
 */
public record BlockingTaskScan(List<BlockingTask> tasks, String unreadable) {
    public BlockingTaskScan {
        tasks = List.copyOf(tasks);
    }

    public static BlockingTaskScan complete(List<BlockingTask> tasks) { return new BlockingTaskScan(tasks, null); }

    public static BlockingTaskScan cutShort(List<BlockingTask> tasksSoFar, String why) {
        if (why == null || why.isBlank()) throw new IllegalArgumentException("a scan cut short needs the reason");
        return new BlockingTaskScan(tasksSoFar, why);
    }

    public Optional<String> failure() { return Optional.ofNullable(unreadable); }
}
