package dev.livepatch.daemon.restore;

import dev.livepatch.daemon.config.DaemonConfig;
import dev.livepatch.daemon.files.DurableFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes the boot restore's static pod manifest into the kubelet's static pod directory: atomically
 * (a temp file whose dot name the kubelet ignores, renamed over it) and only when its content changed,
 * since every change makes the kubelet recreate the pod (and run the restore again).
 */
public final class StaticPodFile {
    private StaticPodFile() {}

    /** Writes the manifest when {@code c} asks for one; returns the file when it was written, null when unchanged or off. */
    public static Path write(DaemonConfig c, Map<String, String> env) throws IOException {
        if (!c.bootRestore().enabled()) return null;
        Path dir = c.bootRestore().staticPodDir();
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "the kubelet's static pod directory is not there (nodeDaemon.bootRestore.staticPodPath"
                    + " must name the directory the node's kubelet reads static pods from)");
        }
        Path file = dir.resolve(StaticPod.FILE_NAME);
        byte[] content = StaticPod.manifest(c, env).getBytes(StandardCharsets.UTF_8);
        if (Files.isRegularFile(file) && Arrays.equals(Files.readAllBytes(file), content)) return null;
        DurableFiles.SYNCED.replace(file, content, DurableFiles.EVERYONE_READ);
        return file;
    }
}
