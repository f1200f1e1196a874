package dev.livepatch.daemon.kernel;

import dev.livepatch.api.v1alpha1.KernelCapabilities;

import dev.livepatch.daemon.module.BuildId;
import dev.livepatch.daemon.module.ModInfo;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The kernel's livepatch interface read from sysfs and procfs under a host root prefix ({@code /host}
 * in the pod, {@code /} in a VM, a temp dir in tests; docs/design.md §5 rule 8).
 *
 * <p>Everything here races with the kernel: a patch directory vanishes when its unpatching (or a
 * replacement) completes, a task exits while we read it. A vanished file is "not there", never an
 * error; a read that fails for any other reason (EACCES, EMFILE, a directory where a file belongs)
 * is a {@link KernelException}, never taken for absence.
 */
public final class SysfsKernel implements Kernel {
    private final Path root;
    private final Path livepatchDir;
    private final AttributeWriter writer;
    private final LivepatchCoreSymbols coreSymbols;

    public SysfsKernel(Path hostRoot, AttributeWriter writer) {
        this.root = hostRoot;
        this.livepatchDir = hostRoot.resolve("sys/kernel/livepatch");
        this.writer = writer;
        this.coreSymbols = new LivepatchCoreSymbols(hostRoot.resolve("proc/kallsyms"));
    }

    public SysfsKernel(Path hostRoot) { this(hostRoot, AttributeWriter.REAL); }

    public Path root() { return root; }

    @Override
    public String release() throws KernelException { return readRequired(root.resolve("proc/sys/kernel/osrelease")); }

    @Override
    public String bootId() throws KernelException { return readRequired(root.resolve("proc/sys/kernel/random/boot_id")); }

    /**
     * Probes the optional attributes (docs/design.md §4.1) from the first patch directory while a
     * patch is loaded. With none loaded /sys/kernel/livepatch is empty on every kernel measured
     * (6.1, 6.12, 7.2), so then from the kernel's symbols: the livepatch core's handlers of those
     * attributes, {@code replace_show} (6.11+) and {@code stack_order_show} (6.14+), among
     * vmlinux's text symbols in /proc/kallsyms (read once per boot); the hybrid attribute only from
     * a patch. Without kallsyms they read as absent. A listing that fails shows no patch here;
     * {@link #patches()} reports the error.
     */
    @Override
    public KernelCapabilities capabilities() {
        boolean livepatch = Files.isDirectory(livepatchDir);
        Optional<Path> first;
        try {
            first = listPatchDirs().stream().findFirst();
        } catch (KernelException e) {
            first = Optional.empty();
        }
        if (first.isPresent()) {
            Path d = first.get();
            return new KernelCapabilities(livepatch, Files.exists(d.resolve("replace")), Files.exists(d.resolve("stack_order")),
                    Files.exists(d.resolve("replaceable")));
        }
        Set<String> handlers = coreSymbols.present(readTask(root.resolve("proc/sys/kernel/random/boot_id")).orElse(""));
        return new KernelCapabilities(livepatch, handlers.contains(LivepatchCoreSymbols.REPLACE),
                handlers.contains(LivepatchCoreSymbols.STACK_ORDER), false);
    }

    @Override
    public List<PatchState> patches() throws KernelException {
        List<PatchState> out = new ArrayList<>();
        for (Path dir : listPatchDirs()) {
            Optional<String> enabled = read(dir.resolve("enabled"));
            Optional<String> transition = read(dir.resolve("transition"));
            Optional<Set<PatchedFunction>> functions = FunctionDirs.read(dir);
            if (enabled.isEmpty() || transition.isEmpty() || functions.isEmpty()) {
                continue; // vanished while we read it
            }
            out.add(new PatchState(dir.getFileName().toString(), parseBool(enabled.get()), parseBool(transition.get()),
                    read(dir.resolve("replace")).map(SysfsKernel::parseBool).orElse(null),
                    read(dir.resolve("stack_order")).map(Integer::valueOf).orElse(null),
                    read(dir.resolve("replaceable")).map(SysfsKernel::parseBool).orElse(null), functions.get()));
        }
        out.sort(Comparator.comparing((PatchState p) -> p.stackOrder() == null ? Integer.MAX_VALUE : p.stackOrder())
                .thenComparing(PatchState::name));
        return out;
    }

    /**
     * Loaded modules and their reference counts from /proc/modules' third field (the kernel's
     * {@code module_refcount}, as /sys/module/&lt;m&gt;/refcnt shows it), so one read instead of one
     * per module; where that field is not a number ({@code -}: a kernel without module unloading) from
     * the module's refcnt file.
     */
    @Override
    public Map<String, Integer> modules() throws KernelException {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String line : readRequired(root.resolve("proc/modules")).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 0 || f[0].isEmpty()) continue;
            int refcnt = f.length > 2 && isNumber(f[2]) ? Integer.parseInt(f[2])
                    : read(root.resolve("sys/module").resolve(f[0]).resolve("refcnt")).map(Integer::valueOf).orElse(0);
            out.put(f[0], refcnt);
        }
        return out;
    }

    @Override
    public Optional<String> moduleBuildId(String module) throws KernelException {
        Path note = root.resolve("sys/module").resolve(module).resolve("notes").resolve(ModInfo.BUILD_ID_SECTION);
        try {
            return BuildId.ofNote(Files.readAllBytes(note), ByteOrder.nativeOrder());
        } catch (IOException e) {
            if (vanished(e)) return Optional.empty();
            throw failed("read", note, e);
        }
    }

    @Override
    public void writeEnabled(String patch, boolean enabled) throws KernelException {
        writer.write(patchAttr(patch, "enabled"), enabled ? "1" : "0");
    }

    @Override
    public void writeReplaceable(String patch, boolean replaceable) throws KernelException {
        Path attr = patchAttr(patch, "replaceable");
        if (!Files.exists(attr)) {
            throw new KernelException(Errno.ENOENT, "this kernel has no replaceable attribute for patch " + patch);
        }
        writer.write(attr, replaceable ? "1" : "0");
    }

    @Override
    public BlockingTaskScan blockingTasks(int targetState, int max) { return ProcTasks.blocking(root.resolve("proc"), targetState, max); }

    private Path patchAttr(String patch, String attr) throws KernelException {
        if (!patch.matches("[A-Za-z0-9_]+")) {
            throw new KernelException(Errno.EINVAL, "not a patch name: '" + patch + "'");
        }
        return livepatchDir.resolve(patch).resolve(attr);
    }

    private List<Path> listPatchDirs() throws KernelException {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(livepatchDir, Files::isDirectory)) {
            s.forEach(dirs::add);
        } catch (NoSuchFileException e) {
            return dirs; // no livepatch support: no patches
        } catch (IOException e) {
            throw failed("list", livepatchDir, e);
        }
        dirs.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return dirs;
    }

    /**
     * The file's trimmed content; empty when it does not exist (it vanished, or the kernel lacks it).
     * ENODEV is vanishing too: sysfs answers it for an attribute of an object being removed (seen on
     * 6.1 reading {@code enabled} right as an unpatching transition completed).
     */
    private static Optional<String> read(Path file) throws KernelException {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (IOException e) {
            if (vanished(e)) return Optional.empty();
            throw failed("read", file, e);
        }
    }

    /** Whether a failed read means the file is gone (ENOENT, or ENODEV from sysfs), not that reading failed. */
    static boolean vanished(IOException e) {
        Errno errno = Errno.of(e);
        return errno == Errno.ENOENT || errno == Errno.ENODEV;
    }

    /** For the racy reads of other processes' files: any failure is "that task is gone". */
    static Optional<String> readTask(Path file) {
        try {
            return read(file);
        } catch (KernelException e) {
            return Optional.empty();
        }
    }

    private static String readRequired(Path file) throws KernelException {
        return read(file).orElseThrow(() -> new KernelException(Errno.ENOENT, "failed to read " + file + ": no such file"));
    }

    static KernelException failed(String verb, Path file, IOException e) {
        return new KernelException(Errno.of(e), why(verb, file, e) + "; nothing changed", e);
    }

    /** {@code failed to list /host/proc: Permission denied (EACCES)}. */
    static String why(String verb, Path file, IOException e) {
        String cause = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                : e instanceof NoSuchFileException ? "no such file or directory"
                : e instanceof java.nio.file.NotDirectoryException ? "not a directory" : String.valueOf(e.getMessage());
        return "failed to " + verb + " " + file + ": " + cause + " (" + Errno.of(e) + ")";
    }

    private static boolean parseBool(String s) { return s.equals("1") || s.equalsIgnoreCase("Y"); }

    static boolean isNumber(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) if (!Character.isDigit(s.charAt(i))) return false;
        return true;
    }
}
