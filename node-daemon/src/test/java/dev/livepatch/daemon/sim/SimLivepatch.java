package dev.livepatch.daemon.sim;

import dev.livepatch.daemon.kernel.Errno;
import dev.livepatch.daemon.kernel.KernelException;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated kernel's livepatch core: its patches (stack order, bottom first), modules, tasks and
 * the one transition in flight, moved on by {@link #advance()} and rendered into the tree after each
 * change. Not thread-safe: {@link SimKernel} calls it under its lock.
 */
final class SimLivepatch {
    final Map<String, SimPatch> patches = new LinkedHashMap<>();
    final Map<String, Integer> modules = new LinkedHashMap<>();
    /** Each loaded module's build-id note, as /sys/module/<m>/notes shows it. */
    final Map<String, byte[]> notes = new LinkedHashMap<>();
    final List<SimTask> tasks = new ArrayList<>();
    final SimKmsg log;
    private final Path lp;
    private final Clock clock;
    private final SimKernel.Config config;
    private final SimTree tree;
    /** Patches whose enabling logs a WARNING (and taints W) when their patching transition completes. */
    final java.util.Set<String> warnWhenEnabled = new java.util.HashSet<>();
    long tainted;
    SimPatch transitionPatch;
    int forceWrites;
    int transitionsStarted;
    private int target;
    private Instant transitionStart;
    private Instant lastRcuWarning;

    SimLivepatch(Path root, Clock clock, SimKernel.Config config) {
        this.lp = root.resolve("sys/kernel/livepatch");
        this.clock = clock;
        this.config = config;
        this.tree = new SimTree(root);
        this.log = new SimKmsg(clock);
    }

    void reboot(String bootId) {
        patches.clear();
        modules.clear();
        notes.clear();
        transitionPatch = null;
        tasks.forEach(t -> t.state = -1);
        tainted = 0;
        tree.write("proc/sys/kernel/random/boot_id", bootId);
        sync();
    }

    /** Moves the kernel on to the clock's now: switches tasks, completes transitions, logs RCU warnings. */
    void advance() {
        if (transitionPatch == null) return;
        Instant now = clock.instant();
        if (config.rcuWarningEvery() != null) {
            while (!lastRcuWarning.plus(config.rcuWarningEvery()).isAfter(now)) {
                lastRcuWarning = lastRcuWarning.plus(config.rcuWarningEvery());
                log.printk("rcu_tasks_wait_gp: rcu_tasks grace period " + log.lastSequence() + " is "
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
        log.printk("livepatch: '" + p.name + "': " + (target == 1 ? "patching" : "unpatching") + " complete");
        if (target == 1 && warnWhenEnabled.contains(p.name)) {
            log.printk("------------[ cut here ]------------");
            log.printk("WARNING: CPU: 0 PID: 1 at " + p.name + ".c:12 " + p.name + "_work+0x1d/0x30 [" + p.name + "]");
            tainted |= 1L << 9;
        }
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

    /** A write to a patch attribute ({@code enabled}, {@code force}, {@code replaceable}), answered as the kernel does. */
    void write(Path attribute, String value) throws KernelException {
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
            log.printk("livepatch: '" + p.name + "': reversing transition from " + (target == 1 ? "patching" : "unpatching"));
            target = on ? 1 : 0;
            transitionStart = clock.instant();
            return;
        }
        if (on) throw new KernelException(Errno.EINVAL, "write " + attribute + ": Invalid argument"); // a disabled patch is never re-enabled
        if (transitionPatch != null) throw new KernelException(Errno.EBUSY, "write " + attribute + ": Device or resource busy");
        p.enabled = false;
        tasks.forEach(t -> t.state = 1);
        start(p, 0);
        log.printk("livepatch: '" + p.name + "': starting unpatching transition");
    }

    /** Inserts module {@code name} and starts its patching transition; EEXIST when loaded, EBUSY while another transitions. */
    void insert(String name, boolean replace, byte[] buildIdNote, List<String> functions) throws KernelException {
        if (modules.containsKey(name)) throw SimKernel.refused(name, Errno.EEXIST);
        if (transitionPatch != null) throw SimKernel.refused(name, Errno.EBUSY);
        modules.put(name, 1);
        tainted |= (1L << 12) | (1L << 13) | (1L << 15); // out-of-tree, unsigned, livepatch: what loading a test livepatch sets
        if (buildIdNote != null) notes.put(name, buildIdNote);
        SimPatch p = new SimPatch(name, replace, functions);
        patches.put(name, p);
        tasks.forEach(t -> t.state = 0);
        start(p, 1);
        log.printk("livepatch: enabling patch '" + name + "'");
        log.printk("livepatch: '" + name + "': starting patching transition");
        if (config.transitionLatency().isZero()) advance(); // an idle kernel completes it inside finit_module
        sync();
    }

    /** Removes module {@code name}; ENOENT when not loaded, EAGAIN while its patch exists. */
    void remove(String name) throws KernelException {
        if (!modules.containsKey(name)) throw new KernelException(Errno.ENOENT, "failed to unload module " + name + ": " + Errno.ENOENT.text());
        if (patches.containsKey(name)) throw new KernelException(Errno.EAGAIN, "failed to unload module " + name + ": " + Errno.EAGAIN.text());
        modules.remove(name);
        notes.remove(name);
        sync();
    }

    void sync() {
        tree.render(patches.values(), transitionPatch, target, modules, notes, tasks, config);
        tree.write("proc/sys/kernel/tainted", Long.toString(tainted));
    }
}
