package dev.livepatch.daemon.sim;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
 * <p>Files: {@link SimTree} (temp file + rename; no reader sees half a file). Faults:
 * {@link #failNextInsmod} (the next load fails with an errno), {@link #setStuck} (a task that never
 * leaves a patched function), {@link #refuseSignatures} (every load fails EKEYREJECTED).
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

    private final Path root;
    private final Path lp;
    private final Clock clock;
    private final Config config;
    private final Map<String, SimPatch> patches = new LinkedHashMap<>(); // stack order, bottom first
    private final Map<String, Integer> modules = new LinkedHashMap<>();
    private final List<SimTask> tasks = new ArrayList<>();
    private final SimKmsg log;
    private final Deque<Errno> insmodFailures = new ArrayDeque<>();
    private final SimTree tree;
    private boolean refuseSignatures;
    private SimPatch transitionPatch;
    private int target;
    private Instant transitionStart;
    private Instant lastRcuWarning;
    private int forceWrites;
    private int transitionsStarted;

    public SimKernel(Path root, Clock clock, Config config) {
        this.root = root;
        this.lp = root.resolve("sys/kernel/livepatch");
        this.clock = clock;
        this.config = config;
        this.tree = new SimTree(root);
        this.log = new SimKmsg(clock);
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
        tree.write("proc/sys/kernel/random/boot_id", bootId);
        sync();
    }

    public synchronized void addTask(int pid, String comm, List<String> stack, boolean stuck) {
        SimTask t = new SimTask(pid, comm, List.copyOf(stack));
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
        SimPatch p = new SimPatch(name, replace);
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
        SimPatch p = patches.get(patch);
        return p != null && p.replaceable;
    }

    /** Appends a raw line to the kernel log. */
    public synchronized void printk(String message) { log.printk(message); }

    @Override
    public synchronized List<KmsgEvent> drain() { return log.drain(); }

    /** Moves the kernel on to the clock's now: switches tasks, completes transitions, logs RCU warnings. */
    public synchronized void advance() {
        if (transitionPatch == null) return;
        Instant now = clock.instant();
        if (config.rcuWarningEvery() != null) {
            while (!lastRcuWarning.plus(config.rcuWarningEvery()).isAfter(now)) {
                lastRcuWarning = lastRcuWarning.plus(config.rcuWarningEvery());
                printk("rcu_tasks_wait_gp: rcu_tasks grace period " + log.lastSequence() + " is "
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
        SimPatch p = transitionPatch;
        transitionPatch = null;
        tasks.forEach(t -> t.state = -1);
        printk("livepatch: '" + p.name + "': " + (target == 1 ? "patching" : "unpatching") + " complete");
        if (target == 0) {
            drop(p);
        } else if (p.replace) {
            for (SimPatch other : List.copyOf(patches.values())) {
                if (other != p && (!config.hybridAttr() || other.replaceable)) drop(other);
            }
        }
    }

    private void drop(SimPatch p) {
        patches.remove(p.name);
        modules.computeIfPresent(p.name, (k, v) -> 0);
    }

    private void start(SimPatch p, int target) {
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
        SimPatch p = patches.get(rel.getName(0).toString());
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

    private void writeEnabled(SimPatch p, boolean on, Path attribute) throws KernelException {
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
        SimPatch p = new SimPatch(name, "Y".equals(info.get(REPLACE_KEY).orElse("N")));
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

    private void sync() { tree.render(patches.values(), transitionPatch, target, modules, tasks, config); }
}
