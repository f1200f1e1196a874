package dev.livepatch.daemon.sim;

import dev.livepatch.daemon.files.DurableFiles;
import dev.livepatch.daemon.module.ModInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The files of the simulated kernel's sysfs/procfs tree, rendered from its state. Each file is
 * written by temp file and rename in its directory, and only when its content changes; a
 * directory is removed only when what it stands for is gone. So a concurrent reader never sees half
 * a file, nor a loaded module's or an existing patch's directory missing.
 */
final class SimTree {
    private final Path root;
    private final Map<Path, String> written = new HashMap<>();

    SimTree(Path root) { this.root = root; }

    /** Renders everything: patch dirs, /proc/modules and /sys/module refcnts, the tasks' proc files. */
    void render(Collection<SimPatch> patches, SimPatch inTransition, int target, Map<String, Integer> modules,
                Map<String, byte[]> notes, Collection<SimTask> tasks, SimKernel.Config config) {
        try {
            keepOnly("sys/kernel/livepatch", patches.stream().map(p -> p.name).collect(java.util.stream.Collectors.toSet()));
            int order = 1;
            for (SimPatch p : patches) {
                String d = "sys/kernel/livepatch/" + p.name + "/";
                for (String f : p.functions) Files.createDirectories(root.resolve(d + f)); // <object>/<function>,<sympos>/, before the patch shows
                write(d + "enabled", p.enabled ? "1" : "0");
                write(d + "transition", p == inTransition ? "1" : "0");
                write(d + "force", "");
                write(d + "vmlinux/patched", p == inTransition && target == 1 ? "0" : "1");
                if (config.replaceAttr()) write(d + "replace", p.replace ? "1" : "0");
                if (config.stackOrderAttr()) write(d + "stack_order", String.valueOf(order++));
                if (config.hybridAttr()) write(d + "replaceable", p.replaceable ? "1" : "0");
            }
            keepOnly("sys/module", modules.keySet());
            StringBuilder procModules = new StringBuilder();
            for (Map.Entry<String, Integer> m : modules.entrySet()) {
                procModules.append(m.getKey()).append(" 16384 ").append(m.getValue()).append(" - Live 0x0000000000000000 (OEK)\n");
                write("sys/module/" + m.getKey() + "/refcnt", String.valueOf(m.getValue()));
                byte[] note = notes.get(m.getKey());
                if (note != null) write("sys/module/" + m.getKey() + "/notes/" + ModInfo.BUILD_ID_SECTION, note);
            }
            write("proc/modules", procModules.toString());
            for (SimTask t : tasks) {
                String dir = "proc/" + t.pid;
                for (String base : new String[] {dir, dir + "/task/" + t.pid}) {
                    write(base + "/comm", t.comm);
                    write(base + "/stack", String.join("\n", t.stack));
                    write(base + "/patch_state", String.valueOf(t.state));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes one file (a newline added), replacing it whole. */
    void write(String rel, String content) {
        write(rel, (content + (content.isEmpty() || content.endsWith("\n") ? "" : "\n")).getBytes(StandardCharsets.UTF_8));
    }

    /** Writes one binary file (a sysfs bin attribute), replacing it whole. */
    private void write(String rel, byte[] content) {
        Path f = root.resolve(rel);
        String text = java.util.HexFormat.of().formatHex(content);
        if (text.equals(written.get(f))) return;
        try {
            Files.createDirectories(f.getParent());
            DurableFiles.UNSYNCED.replace(f, content, DurableFiles.EVERYONE_READ);
            written.put(f, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the subdirectories of {@code rel} not named in {@code names}. */
    private void keepOnly(String rel, Set<String> names) throws IOException {
        Path dir = root.resolve(rel);
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path d : entries.toList()) if (Files.isDirectory(d) && !names.contains(d.getFileName().toString())) deleteTree(d);
        }
    }

    private void deleteTree(Path dir) throws IOException {
        written.keySet().removeIf(p -> p.startsWith(dir));
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
