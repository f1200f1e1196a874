package dev.livepatch.daemon.sim;

import dev.livepatch.daemon.files.DurableFiles;
import dev.livepatch.daemon.kernel.AttributeWriter;
import dev.livepatch.daemon.kernel.Errno;
import dev.livepatch.daemon.kernel.KernelException;
import dev.livepatch.daemon.kernel.KernelLog;
import dev.livepatch.daemon.kernel.KmsgEvent;
import dev.livepatch.daemon.kernel.ModuleImage;
import dev.livepatch.daemon.kernel.ModuleLoader;
import dev.livepatch.daemon.module.ModInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A simulated kernel: a sysfs/procfs tree in a directory that reacts to writes and module loads
 * the way the livepatch core does (DESIGN §4), so the real {@link dev.livepatch.daemon.kernel.SysfsKernel}
 * reads it. Plug it in as the SysfsKernel's {@link AttributeWriter} and as the {@link ModuleLoader}.
 *
 * <ul>
 *   <li>insmod of a livepatch module starts its patching transition; EEXIST when loaded, EBUSY while
 *       another transition is in flight. Whether a module is atomic-replace is read from the sim-only
 *       modinfo key {@value #REPLACE_KEY}{@code =Y} (real modules carry it in code).</li>
 *   <li>{@code enabled}: the current value is EINVAL; the patch in transition reverses; another patch
 *       while one transitions is EBUSY; 0 starts an unpatching transition, after which the dir vanishes
 *       and the module's refcnt drops to 0. rmmod of a module whose patch still exists is EAGAIN.</li>
 *   <li>A transition completes {@code transitionLatency} after it started, once every task is in the
 *       target state. {@link #addTask} tasks switch at that point unless stuck ({@link #setStuck}); a
 *       stuck task keeps its state, so it blocks a transition and never a reversal.</li>
 *   <li>Atomic replace: when its transition completes, every other patch (where the kernel has the
 *       hybrid attribute: every other patch whose {@code replaceable} is 1) vanishes.</li>
 * </ul>
 *
 * <p>Files: each is written by temp file and rename in its directory, and only when its content
 * changes, so a reader never sees half a file or a module's directory missing while it is loaded.
 *
 * <p>Faults: {@link #failNextInsmod} (the next load fails with an errno), {@link #setStuck} (a task
 * that never leaves a patched function), {@link #refuseSignatures} (every load fails EKEYREJECTED,
 * as under module signature enforcement with an unsigned module).
 *
 * <p>Time: no thread of its own. State moves on in {@link #advance()}, which every write and load
 * calls first; a test (or a fleet simulator, for many kernels from one scheduler) calls it after
 * moving its clock.
 */
public final class SimKernel implements AttributeWriter, ModuleLoader, KernelLog {
    public static final String REPLACE_KEY = "simreplace";

    /** Features and timing. */
    public record Config(String release, boolean replaceAttr, boolean stackOrderAttr, boolean hybridAttr,
                         Duration transitionLatency, Duration rcuWarningEvery) {
        /** Debian 12's 6.1: no replace, no stack_order, no hybrid attribute. */
        public static Config debian61() { return new Config("6.1.0-56-amd64", false, false, false, Duration.ofSeconds(2), null); }

        public Config withHybridAttr(boolean on) { return new Config(release, replaceAttr, stackOrderAttr, on, transitionLatency, rcuWarningEvery); }

        public Config withModernAttrs() { return new Config(release, true, true, hybridAttr, transitionLatency, rcuWarningEvery); }

        public Config withRcuWarningEvery(Duration d) { return new Config(release, replaceAttr, stackOrderAttr, hybridAttr, transitionLatency, d); }
    }

    private static final class Patch {
        final String name;
        final boolean replace;
        boolean enabled = true;
        boolean replaceable = true;

        Patch(String name, boolean replace) {
            this.name = name;
            this.replace = replace;
        }
    }

    private static final class Task {
        final int pid;
        final String comm;
        final List<String> stack;
        boolean stuck;
        int state = -1;

        Task(int pid, String comm, List<String> stack) {
            this.pid = pid;
            this.comm = comm;
            this.stack = stack;
        }
    }

    private final Path root;
    private final Path lp;
    private final Clock clock;
    private final Config config;
    private final Map<String, Patch> patches = new LinkedHashMap<>(); // stack order, bottom first
    private final Map<String, Integer> modules = new LinkedHashMap<>();
    private final List<Task> tasks = new ArrayList<>();
    private final Deque<KmsgEvent> log = new ArrayDeque<>();
    private final Deque<Errno> insmodFailures = new ArrayDeque<>();
    private final Map<Path, String> written = new HashMap<>();
    private boolean refuseSignatures;
    private Patch transitionPatch;
    private int target;
    private Instant transitionStart;
    private Instant lastRcuWarning;
    private long seq;
    private int forceWrites;
    private int transitionsStarted;

    public SimKernel(Path root, Clock clock, Config config) {
        this.root = root;
        this.lp = root.resolve("sys/kernel/livepatch");
        this.clock = clock;
        this.config = config;
        try {
            Files.createDirectories(lp);
            Files.createDirectories(root.resolve("proc/sys/kernel/random"));
            Files.createDirectories(root.resolve("sys/module"));
            Files.writeString(root.resolve("proc/sys/kernel/osrelease"), config.release() + "\n");
            Files.writeString(root.resolve("proc/uptime"), "0.00 0.00\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        reboot(UUID.randomUUID().toString());
    }

    public Path root() { return root; }

    public Config config() { return config; }

    /** A reboot: every patch, module and transition gone; a new boot id. Tasks survive (as new processes). */
    public synchronized void reboot(String bootId) {
        patches.clear();
        modules.clear();
        transitionPatch = null;
        tasks.forEach(t -> t.state = -1);
        write("proc/sys/kernel/random/boot_id", bootId);
        sync();
    }

    public synchronized void addTask(int pid, String comm, List<String> stack, boolean stuck) {
        Task t = new Task(pid, comm, List.copyOf(stack));
        t.stuck = stuck;
        tasks.add(t);
        sync();
    }

    public synchronized void setStuck(int pid, boolean stuck) {
        tasks.stream().filter(t -> t.pid == pid).forEach(t -> t.stuck = stuck);
        advance();
    }

    /** The next load fails with this errno (e.g. EBUSY once, to check the retry); calls queue up. */
    public synchronized void failNextInsmod(Errno errno) { insmodFailures.add(errno); }

    /** While on, every load fails with EKEYREJECTED, as a kernel enforcing module signatures refuses an unsigned module. */
    public synchronized void refuseSignatures(boolean on) { refuseSignatures = on; }

    /** Loads a patch the daemon knows nothing of ("another tool"); its transition completes at once. */
    public synchronized void loadForeign(String name, boolean replace) {
        modules.put(name, 1);
        Patch p = new Patch(name, replace);
        patches.put(name, p);
        sync();
    }

    public synchronized int forceWrites() { return forceWrites; }

    public synchronized int transitionsStarted() { return transitionsStarted; }

    public synchronized boolean inTransition() { return transitionPatch != null; }

    /** Enabled patches, bottom first (the kernel's truth, for assertions). */
    public synchronized List<String> enabledPatches() {
        return patches.values().stream().filter(p -> p.enabled).map(p -> p.name).toList();
    }

    public synchronized List<String> loadedModules() { return List.copyOf(modules.keySet()); }

    public synchronized boolean replaceableAttr(String patch) {
        Patch p = patches.get(patch);
        return p != null && p.replaceable;
    }

    /** Appends a raw line to the kernel log. */
    public synchronized void printk(String message) {
        String record = "6," + (++seq) + "," + clock.millis() * 1000 + ",-;" + message;
        KmsgEvent.parse(record).ifPresent(log::addLast);
    }

    @Override
    public synchronized List<KmsgEvent> drain() {
        List<KmsgEvent> out = new ArrayList<>(log);
        log.clear();
        return out;
    }

    /** Moves the kernel on to the clock's now: switches tasks, completes transitions, logs RCU warnings. */
    public synchronized void advance() {
        if (transitionPatch == null) return;
        Instant now = clock.instant();
        if (config.rcuWarningEvery() != null) {
            while (!lastRcuWarning.plus(config.rcuWarningEvery()).isAfter(now)) {
                lastRcuWarning = lastRcuWarning.plus(config.rcuWarningEvery());
                printk("rcu_tasks_wait_gp: rcu_tasks grace period " + seq + " is "
                        + Duration.between(transitionStart, lastRcuWarning).toMillis() / 4 + " jiffies old.");
            }
        }
        if (transitionStart.plus(config.transitionLatency()).isAfter(now)) {
            sync();
            return;
        }
        tasks.stream().filter(t -> !t.stuck).forEach(t -> t.state = target);
        if (tasks.stream().allMatch(t -> t.state == target)) complete();
        sync();
    }

    private void complete() {
        Patch p = transitionPatch;
        transitionPatch = null;
        tasks.forEach(t -> t.state = -1);
        printk("livepatch: '" + p.name + "': " + (target == 1 ? "patching" : "unpatching") + " complete");
        if (target == 0) {
            drop(p);
        } else if (p.replace) {
            for (Patch other : List.copyOf(patches.values())) {
                if (other != p && (!config.hybridAttr() || other.replaceable)) drop(other);
            }
        }
    }

    private void drop(Patch p) {
        patches.remove(p.name);
        modules.computeIfPresent(p.name, (k, v) -> 0);
    }

    private void start(Patch p, int target) {
        this.transitionPatch = p;
        this.target = target;
        this.transitionStart = clock.instant();
        this.lastRcuWarning = transitionStart;
        transitionsStarted++;
    }

    @Override
    public synchronized void write(Path attribute, String value) throws KernelException {
        advance();
        Path rel = lp.relativize(attribute);
        Patch p = patches.get(rel.getName(0).toString());
        if (p == null || rel.getNameCount() != 2) throw new KernelException(Errno.ENOENT, "write " + attribute + ": No such file or directory");
        String attr = rel.getName(1).toString();
        boolean on = switch (value.trim()) {
            case "1", "Y", "y" -> true;
            case "0", "N", "n" -> false;
            default -> throw new KernelException(Errno.EINVAL, "write " + attribute + ": Invalid argument");
        };
        switch (attr) {
            case "enabled" -> writeEnabled(p, on, attribute);
            case "force" -> forceWrites++;
            case "replaceable" -> {
                if (!config.hybridAttr()) throw new KernelException(Errno.ENOENT, "write " + attribute + ": No such file or directory");
                p.replaceable = on;
            }
            default -> throw new KernelException(Errno.OTHER, "write " + attribute + ": Permission denied");
        }
        sync();
    }

    private void writeEnabled(Patch p, boolean on, Path attribute) throws KernelException {
        if (p.enabled == on) throw new KernelException(Errno.EINVAL, "write " + attribute + ": Invalid argument");
        if (p == transitionPatch) {
            p.enabled = on;
            printk("livepatch: '" + p.name + "': reversing transition from " + (target == 1 ? "patching" : "unpatching"));
            target = on ? 1 : 0;
            transitionStart = clock.instant();
            return;
        }
        if (on) throw new KernelException(Errno.EINVAL, "write " + attribute + ": Invalid argument"); // a disabled patch is never re-enabled
        if (transitionPatch != null) throw new KernelException(Errno.EBUSY, "write " + attribute + ": Device or resource busy");
        p.enabled = false;
        tasks.forEach(t -> t.state = 1);
        start(p, 0);
        printk("livepatch: '" + p.name + "': starting unpatching transition");
    }

    @Override
    public synchronized void load(ModuleImage image) throws KernelException {
        advance();
        ModInfo info;
        try {
            info = ModInfo.parse(image.bytes());
        } catch (IllegalArgumentException e) {
            throw refused(image.file().getFileName().toString(), Errno.ENOEXEC);
        }
        // the kernel names a module by the name built into it, never by its file
        String name = info.get("name").orElseThrow(() -> refused(image.file().getFileName().toString(), Errno.ENOEXEC));
        if (!insmodFailures.isEmpty()) throw refused(name, insmodFailures.removeFirst());
        if (refuseSignatures) throw refused(name, Errno.EKEYREJECTED);
        if (modules.containsKey(name)) throw refused(name, Errno.EEXIST);
        if (transitionPatch != null) throw refused(name, Errno.EBUSY);
        modules.put(name, 1);
        Patch p = new Patch(name, "Y".equals(info.get(REPLACE_KEY).orElse("N")));
        patches.put(name, p);
        tasks.forEach(t -> t.state = 0);
        start(p, 1);
        printk("livepatch: enabling patch '" + name + "'");
        printk("livepatch: '" + name + "': starting patching transition");
        sync();
    }

    private static KernelException refused(String module, Errno errno) {
        return new KernelException(errno, "failed to load module " + module + ": " + errno.text());
    }

    @Override
    public synchronized void unload(String moduleName) throws KernelException {
        advance();
        if (!modules.containsKey(moduleName)) throw new KernelException(Errno.ENOENT, "failed to unload module " + moduleName + ": " + Errno.ENOENT.text());
        if (patches.containsKey(moduleName)) throw new KernelException(Errno.EAGAIN, "failed to unload module " + moduleName + ": " + Errno.EAGAIN.text());
        modules.remove(moduleName);
        sync();
    }

    // ---- the files ----

    private void sync() {
        try {
            syncLivepatch();
            StringBuilder procModules = new StringBuilder();
            try (Stream<Path> dirs = Files.list(root.resolve("sys/module"))) {
                for (Path d : dirs.toList()) if (!modules.containsKey(d.getFileName().toString())) deleteTree(d);
            }
            for (Map.Entry<String, Integer> m : modules.entrySet()) {
                procModules.append(m.getKey()).append(" 16384 ").append(m.getValue()).append(" - Live 0x0000000000000000 (OEK)\n");
                write("sys/module/" + m.getKey() + "/refcnt", String.valueOf(m.getValue()));
            }
            write("proc/modules", procModules.toString());
            for (Task t : tasks) {
                String dir = "proc/" + t.pid;
                write(dir + "/comm", t.comm);
                write(dir + "/stack", String.join("\n", t.stack));
                write(dir + "/task/" + t.pid + "/comm", t.comm);
                write(dir + "/task/" + t.pid + "/stack", String.join("\n", t.stack));
                write(dir + "/task/" + t.pid + "/patch_state", String.valueOf(t.state));
                write(dir + "/patch_state", String.valueOf(t.state));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void syncLivepatch() throws IOException {
        try (Stream<Path> dirs = Files.list(lp)) {
            for (Path d : dirs.toList()) if (!patches.containsKey(d.getFileName().toString())) deleteTree(d);
        }
        int order = 1;
        for (Patch p : patches.values()) {
            String d = "sys/kernel/livepatch/" + p.name + "/";
            write(d + "enabled", p.enabled ? "1" : "0");
            write(d + "transition", p == transitionPatch ? "1" : "0");
            write(d + "force", "");
            write(d + "vmlinux/patched", p == transitionPatch && target == 1 ? "0" : "1");
            if (config.replaceAttr()) write(d + "replace", p.replace ? "1" : "0");
            if (config.stackOrderAttr()) write(d + "stack_order", String.valueOf(order++));
            if (config.hybridAttr()) write(d + "replaceable", p.replaceable ? "1" : "0");
        }
    }

    private void write(String rel, String content) {
        Path f = root.resolve(rel);
        String text = content + (content.isEmpty() || content.endsWith("\n") ? "" : "\n");
        if (text.equals(written.get(f))) return;
        try {
            Files.createDirectories(f.getParent());
            DurableFiles.UNSYNCED.replace(f, text.getBytes(StandardCharsets.UTF_8), DurableFiles.EVERYONE_READ);
            written.put(f, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void deleteTree(Path dir) throws IOException {
        written.keySet().removeIf(p -> p.startsWith(dir));
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
