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
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.UUID;

/**
 * A simulated kernel: a sysfs/procfs tree in a directory that reacts to writes and module loads
 * the way the livepatch core does (docs/design.md §4.1), so the real {@link dev.livepatch.daemon.kernel.SysfsKernel}
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
    private final Config config;
    private final SimLivepatch k;
    private final Deque<Errno> insmodFailures = new ArrayDeque<>();
    private boolean refuseSignatures;

    public SimKernel(Path root, Clock clock, Config config) {
        this.root = root;
        this.config = config;
        this.k = new SimLivepatch(root, clock, config);
        try {
            Files.createDirectories(root.resolve("sys/kernel/livepatch"));
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
    public synchronized void reboot(String bootId) { k.reboot(bootId); }

    public synchronized void addTask(int pid, String comm, List<String> stack, boolean stuck) {
        SimTask t = new SimTask(pid, comm, List.copyOf(stack));
        t.stuck = stuck;
        k.tasks.add(t);
        k.sync();
    }

    public synchronized void setStuck(int pid, boolean stuck) {
        k.tasks.stream().filter(t -> t.pid == pid).forEach(t -> t.stuck = stuck);
        k.advance();
    }

    /** The next load fails with this errno (e.g. EBUSY once, to check the retry); calls queue up. */
    public synchronized void failNextInsmod(Errno errno) { insmodFailures.add(errno); }

    /** While on, every load fails with EKEYREJECTED, as a kernel enforcing module signatures refuses an unsigned module. */
    public synchronized void refuseSignatures(boolean on) { refuseSignatures = on; }

    /** Loads a patch the daemon knows nothing of ("another tool"); its transition completes at once. */
    public synchronized void loadForeign(String name, boolean replace) {
        k.modules.put(name, 1);
        k.patches.put(name, new SimPatch(name, replace, List.of()));
        k.sync();
    }

    public synchronized int forceWrites() { return k.forceWrites; }

    public synchronized int transitionsStarted() { return k.transitionsStarted; }

    public synchronized boolean inTransition() { return k.transitionPatch != null; }

    /** Enabled patches, bottom first (the kernel's truth, for assertions). */
    public synchronized List<String> enabledPatches() {
        return k.patches.values().stream().filter(p -> p.enabled).map(p -> p.name).toList();
    }

    public synchronized List<String> loadedModules() { return List.copyOf(k.modules.keySet()); }

    public synchronized boolean replaceableAttr(String patch) {
        SimPatch p = k.patches.get(patch);
        return p != null && p.replaceable;
    }

    /** When the patching transition of {@code patch} completes, the kernel logs a WARNING and taints W (bit 9), as a buggy patch would. */
    public synchronized void warnWhenEnabled(String patch) { k.warnWhenEnabled.add(patch); }

    /** Sets taint bit {@code bit} (e.g. 9, W) as the kernel would on a warning elsewhere. */
    public synchronized void taint(int bit) {
        k.tainted |= 1L << bit;
        k.sync();
    }

    /** Appends a raw line to the kernel log. */
    public synchronized void printk(String message) { k.log.printk(message); }

    @Override
    public synchronized List<KmsgEvent> drain() { return k.log.drain(); }

    /** Moves the kernel on to the clock's now: switches tasks, completes transitions, logs RCU warnings. */
    public synchronized void advance() { k.advance(); }

    @Override
    public synchronized void write(Path attribute, String value) throws KernelException {
        k.advance();
        k.write(attribute, value);
    }

    @Override
    public synchronized void load(ModuleImage image) throws KernelException {
        k.advance();
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
        List<String> functions = info.get(ElfModules.FUNCTIONS_KEY).map(f -> List.of(f.split(";"))).orElse(List.of());
        k.insert(name, "Y".equals(info.get(REPLACE_KEY).orElse("N")), info.buildIdHex().map(ElfModules::buildIdNoteOf).orElse(null), functions);
    }

    static KernelException refused(String module, Errno errno) {
        return new KernelException(errno, "failed to load module " + module + ": " + errno.text());
    }

    @Override
    public synchronized void unload(String moduleName) throws KernelException {
        k.advance();
        k.remove(moduleName);
    }
}
