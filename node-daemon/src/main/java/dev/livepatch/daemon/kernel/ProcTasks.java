package dev.livepatch.daemon.kernel;

import dev.livepatch.api.v1alpha1.BlockingTask;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** The tasks a livepatch transition waits for, read from {@code /proc/<pid>/task/<tid>/{patch_state,comm,stack}}. */
final class ProcTasks {
    /** A frame's address as /proc/PID/stack shows it to everyone but kptr_restrict's few: always {@code [<0>]}. */
    private static final Pattern HIDDEN_ADDRESS = Pattern.compile("^\\[<[0-9a-fx]+>\\]\\s*");

    private ProcTasks() {}

    /**
     * Tasks whose patch_state is neither -1 (no transition) nor {@code targetState}, at most {@code max}.
     * A task that exits while we read it is skipped; /proc itself failing to list (a wrong host
     * prefix, a mount missing, EACCES) ends the look with the reason.
     */
    static BlockingTaskScan blocking(Path procDir, int targetState, int max) {
        List<BlockingTask> out = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(procDir, p -> SysfsKernel.isNumber(p.getFileName().toString()))) {
            for (Path proc : procs) {
                try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve("task"))) {
                    for (Path task : tasks) {
                        if (out.size() >= max) return BlockingTaskScan.complete(out);
                        Optional<String> state = SysfsKernel.readTask(task.resolve("patch_state"));
                        if (state.isEmpty()) continue;
                        int s = Integer.parseInt(state.get());
                        if (s == -1 || s == targetState) continue;
                        out.add(new BlockingTask(Integer.parseInt(task.getFileName().toString()),
                                SysfsKernel.readTask(task.resolve("comm")).orElse("?"), topOfStack(task.resolve("stack"))));
                    }
                } catch (IOException | DirectoryIteratorException | NumberFormatException e) {
                    // the process exited while we listed it, or its dir is not what we expect: skip it
                }
            }
        } catch (IOException e) {
            return BlockingTaskScan.cutShort(out, SysfsKernel.why("list", procDir, e));
        } catch (DirectoryIteratorException e) {
            return BlockingTaskScan.cutShort(out, SysfsKernel.why("list", procDir, e.getCause()));
        }
        return BlockingTaskScan.complete(out);
    }

    /** The first frames of a task's kernel stack, without the {@code [<0>]} address prefix: {@code lp_busy_work+0x11/0x30 [lp_busy]}. */
    private static List<String> topOfStack(Path stackFile) {
        List<String> frames = new ArrayList<>();
        for (String line : SysfsKernel.readTask(stackFile).orElse("").split("\n")) {
            if (line.isBlank()) continue;
            if (frames.size() >= BlockingTask.MAX_STACK_FRAMES) break;
            String frame = HIDDEN_ADDRESS.matcher(line.trim()).replaceFirst("");
            frames.add(frame.length() > 200 ? frame.substring(0, 200) : frame);
        }
        return frames;
    }
}
