package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.daemon.kernel.DelegatingKernel;
import dev.livepatch.daemon.kernel.Errno;
import dev.livepatch.daemon.kernel.Kernel;
import dev.livepatch.daemon.kernel.KernelException;
import dev.livepatch.daemon.kernel.KernelSnapshot;
import dev.livepatch.daemon.kernel.ModuleImage;
import dev.livepatch.daemon.kernel.ModuleLoader;
import dev.livepatch.daemon.kernel.PatchState;
import dev.livepatch.daemon.kernel.SysfsKernel;
import dev.livepatch.daemon.agent.Wiring;
import dev.livepatch.daemon.sim.ElfModules;
import dev.livepatch.daemon.sim.SimKernel;
import dev.livepatch.daemon.sim.SimNode;
import dev.livepatch.daemon.time.ManualClock;
import dev.livepatch.daemon.metrics.MetricRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A node for the model-based property test: a simulated kernel, the real daemon assembled as in
 * production, a catalog of modules (good, and ones that must never be loaded), and the faults the
 * test injects — a daemon process that dies at its n-th side effect (before or after it), stuck
 * tasks, refused loads, reboots. The kernel's files are the truth the invariants read.
 */
final class NodeWorld implements AutoCloseable {
    static final String PINNED_LP = "lp-pinned";
    static final String UPGRADE_LP = "lp-upgrade";
    static final String ATOMIC_LP = "lp-atomic";
    static final String BAD_LP = "lp-bad";
    static final int STUCK_PID = 777;
    static final String DO_EXIT = "vmlinux/do_exit,1";
    static final String CMDLINE = "vmlinux/cmdline_proc_show,1";
    static final String VERSION = "vmlinux/version_proc_show,1";
    /** The module whose file says it overlaps a pinned one: refused before its load, never loaded above it. */
    static final String READABLE_OVERLAP = "lp_cum_v2";
    static final ConvergerSettings SETTINGS = new ConvergerSettings(Duration.ofSeconds(30), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(8), Duration.ofSeconds(20), 64);

    /** The daemon process died (a SIGKILL at a side effect). */
    static final class Crash extends RuntimeException {
        Crash() { super("daemon killed", null, false, false); }
    }

    final Path root;
    final SimNode node;
    final boolean modern;
    final Map<String, NodeModule> catalog = new LinkedHashMap<>();
    /** Module names (as the kernel would call them) whose files fail a check: never to be loaded. */
    final Set<String> neverLoaded;
    private final SysfsKernel truth;
    private Converger daemon;
    private int crashAt = -1;
    private boolean crashAfter;
    private long generation = 1;
    private boolean stuckAdded;
    private final java.util.ArrayDeque<Errno> loadFailures = new java.util.ArrayDeque<>();
    private final Map<String, Integer> loads = new java.util.HashMap<>();

    NodeWorld(boolean modern) {
        try {
            // Thousands of runs, each a host tree rewritten at every kernel change and fsynced records: in memory where there is a tmpfs.
            Path shm = Path.of("/dev/shm");
            root = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "node-world-") : Files.createTempDirectory("node-world-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.modern = modern;
        SimKernel.Config config = modern ? SimKernel.Config.debian61().withModernAttrs() : SimKernel.Config.debian61();
        node = new SimNode(root, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), config, SETTINGS, new MetricRegistry());
        truth = new SysfsKernel(root, node.kernel());
        String release = config.release();
        // What each patches (docs/design.md §5 rule 10): v2 overlaps lp_pin1 and says so in its file; v3 overlaps lp_pin2,
        // its klp_patch built at run time, so only the kernel tells after its load.
        add(node.module(PINNED_LP, "lp_pin1", false, false, ElfModules.livepatch("lp_pin1", release, false, List.of(DO_EXIT), true)));
        add(node.module(PINNED_LP, "lp_pin2", false, false, ElfModules.livepatch("lp_pin2", release, false, List.of(CMDLINE), true)));
        add(node.module(UPGRADE_LP, "lp_cum_v1", true, false, ElfModules.livepatch("lp_cum_v1", release, false, List.of(VERSION), true)));
        add(node.module(UPGRADE_LP, "lp_cum_v2", true, false, ElfModules.livepatch("lp_cum_v2", release, false, List.of(VERSION, DO_EXIT), true)));
        add(node.module(UPGRADE_LP, "lp_cum_v3", true, false, ElfModules.livepatch("lp_cum_v3", release, false, List.of(VERSION, CMDLINE), false)));
        add(node.module(ATOMIC_LP, "lp_all", true, true, ElfModules.livepatch("lp_all", release, true, List.of(VERSION), true)));
        NodeModule badSha = node.module(BAD_LP, "lp_badsha", false, false);
        badSha.getSource().setSha256("0".repeat(64));
        add(badSha);
        add(node.module(BAD_LP, "lp_badname", false, false, ElfModules.livepatch("lp_other", release, false)));
        add(node.module(BAD_LP, "lp_undeclared", true, false, ElfModules.livepatch("lp_undeclared", release, true)));
        neverLoaded = Set.of("lp_badsha", "lp_other");
        restart();
    }

    private void add(NodeModule m) {
        m.setStallTimeout("5s");
        catalog.put(m.getName(), m);
    }

    /** The spec of the given catalog names, in that order, with a stall policy and the current LivePatch generation. */
    NodeLivePatchSpec spec(List<String> names, OnStall onStall) {
        List<NodeModule> modules = new ArrayList<>();
        for (String n : names) {
            NodeModule m = copy(catalog.get(n));
            m.setOnStall(onStall);
            m.setLivePatchGeneration(generation);
            modules.add(m);
        }
        return new NodeLivePatchSpec(modules);
    }

    /** A new generation of every LivePatch: failures recorded against the old one clear (the operator's retry). */
    void bumpGeneration() { generation++; }

    long generation() { return generation; }

    private static NodeModule copy(NodeModule m) {
        NodeModule c = new NodeModule();
        c.setName(m.getName());
        c.setLivePatch(m.getLivePatch());
        c.setLivePatchGeneration(m.getLivePatchGeneration());
        c.setKernelRelease(m.getKernelRelease());
        c.setReplaceable(m.getReplaceable());
        c.setAtomicReplace(m.getAtomicReplace());
        c.setSource(m.getSource());
        c.setStallTimeout(m.getStallTimeout());
        c.setOnStall(m.getOnStall());
        return c;
    }

    /** A new daemon process over the same host (records, module cache, kernel). */
    void restart() {
        Wiring.Host host = SimNode.host(root, node.kernel());
        Wiring.Host faulty = new Wiring.Host(new CrashingKernel(host.kernel()), new CrashingLoader(host.loader()), host.kernelLog(),
                host.store(), host.stateStore());
        daemon = Wiring.converger(faulty, node.clock(), node::sleep, SETTINGS, new dev.livepatch.daemon.metrics.DaemonMetrics(),
                s -> { });
    }

    /** A boot restore process over this host (the cache alone, the same faults); null when it died at a side effect. */
    dev.livepatch.daemon.restore.BootRestore.Outcome restore() {
        Wiring.Host host = SimNode.host(root, node.kernel());
        Path cache = root.resolve("var/lib/livepatch-operator/modules");
        Wiring.Host faulty = new Wiring.Host(new CrashingKernel(host.kernel()), new CrashingLoader(host.loader()), host.kernelLog(),
                new dev.livepatch.daemon.module.CachingModuleStore(cache, List.of(new dev.livepatch.daemon.module.CacheOnlyFetcher(cache))),
                host.stateStore());
        Converger restore = Wiring.converger(faulty, node.clock(), node::sleep, SETTINGS,
                new dev.livepatch.daemon.metrics.DaemonMetrics(), s -> { }, PassRole.RESTORE);
        try {
            return dev.livepatch.daemon.restore.BootRestore.run(faulty.stateStore(), faulty.kernel(), restore);
        } catch (Crash c) {
            crashAt = -1;
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The host records as the state file holds them now. */
    HostState records() {
        try {
            return SimNode.host(root, node.kernel()).stateStore().load();
        } catch (StateFileException e) {
            throw new IllegalStateException(e);
        }
    }

    int transitionsStarted() { return node.kernel().transitionsStarted(); }

    /** How many times each module was inserted into the kernel so far, by any process on this host. */
    Map<String, Integer> loads() { return Map.copyOf(loads); }

    /** The next daemon process dies at its {@code n}-th side effect (kernel write, load, unload), before or after it. */
    void crashAt(int n, boolean after) {
        crashAt = n;
        crashAfter = after;
    }

    /** One slice of the daemon; a crash ends the process, and the DaemonSet starts a new one. */
    Converger.Slice slice(NodeLivePatchSpec spec) {
        try {
            return daemon.slice(spec, generation);
        } catch (Crash c) {
            crashAt = -1;
            restart();
            return null;
        }
    }

    void advance(Duration d) { node.sleep(d); }

    void reboot() {
        node.kernel().reboot(UUID.randomUUID().toString());
        restart();
    }

    void stick(boolean stuck) {
        if (!stuckAdded) {
            node.kernel().addTask(STUCK_PID, "worker", List.of("[<0>] do_exit+0x1c/0x90"), stuck);
            stuckAdded = true;
        } else {
            node.kernel().setStuck(STUCK_PID, stuck);
        }
    }

    /** The next load is refused by the kernel with {@code errno}. */
    void failNextLoad(Errno errno) { loadFailures.add(errno); }

    /** The faults stop: no stuck task, no refused load waiting. */
    void stopFaults() {
        stick(false);
        loadFailures.clear();
        crashAt = -1;
    }

    /** What the kernel shows now, read from its files. */
    KernelSnapshot kernel() {
        try {
            return KernelSnapshot.read(truth);
        } catch (KernelException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Enabled patches, bottom of the stack first, as the kernel keeps them (the simulator's truth, with or without stack_order). */
    List<String> stack() { return node.kernel().enabledPatches(); }

    /** Patches enabled and out of transition. */
    static Set<String> settled(KernelSnapshot k) {
        return Set.copyOf(k.patches().stream().filter(p -> p.enabled() && !p.transition()).map(PatchState::name).toList());
    }

    /** Runs the daemon with time moving on until nothing is left but far timers; returns its last status. */
    NodeLivePatchStatus settle(NodeLivePatchSpec spec, int maxSlices) {
        NodeLivePatchStatus last = null;
        for (int i = 0; i < maxSlices; i++) {
            Converger.Slice s = slice(spec);
            if (s == null) continue;
            last = s.status();
            Instant wake = s.wakeAt();
            if (s.settled() && (wake == null || Duration.between(node.clock().instant(), wake).compareTo(Duration.ofHours(1)) > 0)) return last;
            Duration d = wake == null ? SETTINGS.poll() : Duration.between(node.clock().instant(), wake);
            advance(d.isNegative() || d.isZero() ? Duration.ofMillis(1) : d);
        }
        return last;
    }

    @Override
    public void close() {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind
        }
    }

    private interface KernelCall {
        void run() throws KernelException;
    }

    /** Runs one side effect of the daemon, dying before or after it when its turn has come. */
    private void sideEffect(KernelCall call) throws KernelException {
        if (crashAt == 0 && !crashAfter) throw new Crash();
        try {
            call.run();
        } finally {
            if (crashAt == 0) throw new Crash();
            if (crashAt > 0) crashAt--;
        }
    }

    private final class CrashingKernel extends DelegatingKernel {
        CrashingKernel(Kernel k) { super(k); }

        @Override public void writeEnabled(String patch, boolean enabled) throws KernelException { sideEffect(() -> super.writeEnabled(patch, enabled)); }

        @Override public void writeReplaceable(String patch, boolean r) throws KernelException { sideEffect(() -> super.writeReplaceable(patch, r)); }
    }

    private final class CrashingLoader implements ModuleLoader {
        private final ModuleLoader l;

        CrashingLoader(ModuleLoader l) { this.l = l; }

        @Override public void load(ModuleImage image) throws KernelException {
            sideEffect(() -> {
                Errno refused = loadFailures.poll();
                if (refused != null) throw new KernelException(refused, "insmod: ERROR: could not insert module " + image.file() + ": " + refused);
                l.load(image);
                loads.merge(image.name(), 1, Integer::sum);
            });
        }

        @Override public void unload(String moduleName) throws KernelException { sideEffect(() -> l.unload(moduleName)); }
    }
}
