package dev.livepatch.daemon.agent;

import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.daemon.config.DaemonConfig;
import dev.livepatch.daemon.converge.Converger;
import dev.livepatch.daemon.converge.ConvergerSettings;
import dev.livepatch.daemon.converge.HostStateStore;
import dev.livepatch.daemon.converge.PassRole;
import dev.livepatch.daemon.files.DurableFiles;
import dev.livepatch.daemon.health.KernelTaint;
import dev.livepatch.daemon.health.ProcTaint;
import dev.livepatch.daemon.kernel.Kernel;
import dev.livepatch.daemon.kernel.FinitModuleLoader;
import dev.livepatch.daemon.kernel.KernelLog;
import dev.livepatch.daemon.kernel.ModuleLoader;
import dev.livepatch.daemon.kernel.NativeModuleFiles;
import dev.livepatch.daemon.kernel.SysfsKernel;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.module.CachingModuleStore;
import dev.livepatch.daemon.module.ConfigMapFetcher;
import dev.livepatch.daemon.module.HostPathFetcher;
import dev.livepatch.daemon.module.ModuleFetcher;
import dev.livepatch.daemon.module.ModuleStore;
import dev.livepatch.daemon.module.UrlFetcher;
import dev.livepatch.daemon.time.Sleeper;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The one assembly of the daemon's parts, used by {@code Main} (the DaemonSet, one-shot and restore
 * modes), the simulated node and the simulated fleet: only the host side effects differ between them
 * (restore's fetchers: the cache alone, {@code restore.CacheOnly}).
 */
public final class Wiring {
    private Wiring() {}

    /** The side effects of one host: its kernel, how modules are loaded, its kernel log, its module cache, its records. */
    public record Host(Kernel kernel, ModuleLoader loader, KernelLog kernelLog, ModuleStore store, HostStateStore stateStore, KernelTaint taint) {
        /** A host whose taint is not read (the taint gate unchecked). */
        public Host(Kernel kernel, ModuleLoader loader, KernelLog kernelLog, ModuleStore store, HostStateStore stateStore) {
            this(kernel, loader, kernelLog, store, stateStore, KernelTaint.UNREADABLE);
        }
    }

    /** The fetchers of the DaemonSet and one-shot modes. @param client null in one-shot mode (ConfigMap sources then fail clearly) */
    public static List<ModuleFetcher> fetchers(DaemonConfig c, KubernetesClient client) {
        return List.of(new UrlFetcher(c.fetchTimeout(), c.fetchAttempts(), c.fetchBackoff(), Sleeper.REAL, c.maxModuleBytes()),
                new ConfigMapFetcher(client), new HostPathFetcher(c.hostPrefix(), c.maxModuleBytes()));
    }

    /** The real node's side effects, module files fetched by {@code fetchers} when not in the cache. */
    public static Host host(DaemonConfig c, List<ModuleFetcher> fetchers, KernelLog kernelLog) {
        CachingModuleStore store = new CachingModuleStore(c.moduleCacheDir(), fetchers, new NativeModuleFiles(), c.moduleCacheGrace(), Clock.systemUTC(),
                c.maxModuleBytes());
        return new Host(new SysfsKernel(c.hostPrefix()), new FinitModuleLoader(), kernelLog, store,
                new HostStateStore(c.stateFile(), DurableFiles.SYNCED, c.hostLockWait()), new ProcTaint(c.hostPrefix()));
    }

    public static ConvergerSettings settings(DaemonConfig c) {
        return new ConvergerSettings(c.unloadGrace(), c.poll(), Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofMinutes(10), 64);
    }

    public static Converger converger(Host host, Clock clock, Sleeper sleeper, ConvergerSettings settings, DaemonMetrics metrics,
                                      Consumer<NodeLivePatchStatus> publisher) {
        return converger(host, clock, sleeper, settings, metrics, publisher, PassRole.DAEMON);
    }

    public static Converger converger(Host host, Clock clock, Sleeper sleeper, ConvergerSettings settings, DaemonMetrics metrics,
                                      Consumer<NodeLivePatchStatus> publisher, PassRole role) {
        return new Converger(host.kernel(), host.loader(), host.store(), host.kernelLog(), host.taint(), host.stateStore(), clock, sleeper, settings,
                metrics, publisher, role);
    }

    /** The real node's converger, fetching module files from their sources (the DaemonSet; {@code client} null in one-shot mode). */
    public static Converger converger(DaemonConfig c, KubernetesClient client, KernelLog kernelLog, DaemonMetrics metrics,
                                      Consumer<NodeLivePatchStatus> publisher) {
        return converger(host(c, fetchers(c, client), kernelLog), Clock.systemUTC(), Sleeper.REAL, settings(c), metrics, publisher,
                client == null ? PassRole.ONE_SHOT : PassRole.DAEMON);
    }
}
