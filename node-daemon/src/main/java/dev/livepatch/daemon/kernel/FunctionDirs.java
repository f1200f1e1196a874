package dev.livepatch.daemon.kernel;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The functions a loaded patch replaces, as its sysfs directory shows them:
 * {@code /sys/kernel/livepatch/<patch>/<object>/<function>,<sympos>/} (the kernel's
 * Documentation/ABI/testing/sysfs-kernel-livepatch). The object directories sit beside the patch's
 * attribute files, each holding a {@code patched} file (6.1+) and one directory per function.
 */
final class FunctionDirs {
    private FunctionDirs() {}

    /** The patch's functions; empty when the patch vanished while they were listed. */
    static Optional<Set<PatchedFunction>> read(Path patchDir) throws KernelException {
        Set<PatchedFunction> out = new LinkedHashSet<>();
        try {
            for (Path object : subdirectories(patchDir)) {
                for (Path function : subdirectories(object)) {
                    PatchedFunction.ofSysfs(object.getFileName().toString(), function.getFileName().toString()).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            if (SysfsKernel.vanished(e)) return Optional.empty();
            throw SysfsKernel.failed("list", patchDir, e);
        }
        return Optional.of(out);
    }

    private static List<Path> subdirectories(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, Files::isDirectory)) {
            s.forEach(out::add);
        }
        return out;
    }
}
