package dev.livepatch.daemon.sim;

import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.daemon.converge.Converger;
import dev.livepatch.daemon.converge.ConvergerSettings;
import dev.livepatch.daemon.converge.HostStateStore;
import dev.livepatch.daemon.health.ProcTaint;
import dev.livepatch.daemon.agent.Wiring;
import dev.livepatch.daemon.kernel.SysfsKernel;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.module.CachingModuleStore;
import dev.livepatch.daemon.module.HostPathFetcher;
import dev.livepatch.daemon.time.ManualClock;
import dev.livepatch.daemon.time.Sleeper;
import dev.livepatch.daemon.metrics.MetricRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One simulated node: a {@link SimKernel} under a host root, the real kernel layer, module store and
 * converger over it, a manual clock, and a sleeper that moves that clock and the kernel on. Module
 * files are written under the host root and given to the spec as {@code hostPath} sources. For the
 * daemon's tests and the fleet simulator.
 */
public final class SimNode {
    public static final String MODULE_DIR = "opt/livepatch";

    private final Path root;
    private final ManualClock clock;
    private final SimKernel kernel;
    private final ConvergerSettings settings;
    private final DaemonMetrics metrics;
    private final List<NodeLivePatchStatus> published = new CopyOnWriteArrayList<>();
    private volatile Consumer<Duration> onSleep = d -> { };
    private volatile Consumer<NodeLivePatchStatus> publisher = s -> { };

    public SimNode(Path root, ManualClock clock, SimKernel.Config config, ConvergerSettings settings, MetricRegistry registry) {
        this.root = root;
        this.clock = clock;
        this.kernel = new SimKernel(root, clock, config);
        this.settings = settings;
        this.metrics = new DaemonMetrics(registry);
    }

    public SimKernel kernel() { return kernel; }

    public ManualClock clock() { return clock; }

    public Path root() { return root; }

    /** Every status the converger published, oldest first. */
    public List<NodeLivePatchStatus> published() { return published; }

    /** Runs after every sleep of the converger (the clock and kernel already moved): a test's hook into "meanwhile". */
    public void onSleep(Consumer<Duration> hook) { this.onSleep = hook; }

    /** Where statuses go besides {@link #published()} (e.g. a status writer against an API server). */
    public void publishTo(Consumer<NodeLivePatchStatus> publisher) { this.publisher = publisher; }

    /** Moves time on by {@code d} and lets the kernel catch up. */
    public void sleep(Duration d) {
        clock.advance(d);
        kernel.advance();
        onSleep.accept(d);
    }

    /** A daemon process: fresh memory, the host state file and module cache of this node. Build a new one to "restart" it. */
    public Converger converger() { return converger(this::sleep); }

    public Converger converger(Sleeper sleeper) {
        return Wiring.converger(host(root, kernel), clock, sleeper, settings, metrics, s -> {
            published.add(s);
            publisher.accept(s);
        });
    }

    /** The side effects of a simulated host: its kernel's files under {@code root}, its module cache and records there too. */
    public static Wiring.Host host(Path root, SimKernel kernel) {
        CachingModuleStore store = new CachingModuleStore(root.resolve("var/lib/livepatch-operator/modules"),
                List.of(new HostPathFetcher(root, 64L << 20)));
        return new Wiring.Host(new SysfsKernel(root, kernel), kernel, kernel, store,
                new HostStateStore(root.resolve("var/lib/livepatch-operator/state.json")), new ProcTaint(root));
    }

    /** Writes a livepatch module file for this node's kernel and returns its spec entry (stallTimeout 60s, Revert). */
    public NodeModule module(String livePatch, String name, boolean replaceable, boolean atomicReplace) {
        return module(livePatch, name, replaceable, atomicReplace, ElfModules.livepatch(name, kernel.config().release(), atomicReplace));
    }

    /** Writes {@code content} as the module file of {@code name} and returns a spec entry with its sha256. */
    public NodeModule module(String livePatch, String name, boolean replaceable, boolean atomicReplace, byte[] content) {
        try {
            Path file = root.resolve(MODULE_DIR).resolve(name + ".ko");
            Files.createDirectories(file.getParent());
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        NodeModule m = new NodeModule();
        m.setName(name);
        m.setLivePatch(livePatch);
        m.setLivePatchGeneration(1L);
        m.setKernelRelease(kernel.config().release());
        m.setReplaceable(replaceable);
        m.setAtomicReplace(atomicReplace);
        m.setSource(ModuleSource.hostPath("/" + MODULE_DIR + "/" + name + ".ko", CachingModuleStore.sha256(content)));
        m.setStallTimeout("60s");
        m.setOnStall(OnStall.Revert);
        return m;
    }
}
