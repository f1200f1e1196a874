package dev.livepatch.daemon.node;

import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.daemon.config.DaemonConfig;
import dev.livepatch.daemon.execute.Converger;
import dev.livepatch.daemon.execute.ExecutorSettings;
import dev.livepatch.daemon.execute.HostStateStore;
import dev.livepatch.daemon.kernel.KernelLog;
import dev.livepatch.daemon.kernel.FinitModuleLoader;
import dev.livepatch.daemon.kernel.NativeModuleFiles;
import dev.livepatch.daemon.kernel.SysfsKernel;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.module.CachingModuleStore;
import dev.livepatch.daemon.module.ConfigMapFetcher;
import dev.livepatch.daemon.module.HostPathFetcher;
import dev.livepatch.daemon.module.UrlFetcher;
import dev.livepatch.daemon.time.Sleeper;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** Builds the real converger from the configuration: the one place where side-effect implementations are chosen. */
public final class Wiring {
    private Wiring() {}

    /** @param client null in one-shot mode (ConfigMap sources then fail clearly) */
    public static Converger converger(DaemonConfig c, KubernetesClient client, KernelLog kernelLog, DaemonMetrics metrics,
                               Consumer<NodeLivePatchStatus> publisher) {
        CachingModuleStore store = new CachingModuleStore(c.moduleCacheDir(), List.of(
                new UrlFetcher(c.fetchTimeout(), c.fetchAttempts(), c.fetchBackoff(), Sleeper.REAL, c.maxModuleBytes()),
                new ConfigMapFetcher(client),
                new HostPathFetcher(c.hostPrefix(), c.maxModuleBytes())), new NativeModuleFiles(), c.moduleCacheGrace(), Clock.systemUTC(),
                c.maxModuleBytes());
        ExecutorSettings settings = new ExecutorSettings(c.unloadGrace(), c.poll(), 5, Duration.ofSeconds(1), Duration.ofMinutes(10), 64);
        return new Converger(new SysfsKernel(c.hostPrefix()), new FinitModuleLoader(), store, kernelLog,
                new HostStateStore(c.stateFile()), Clock.systemUTC(), Sleeper.REAL, settings, metrics, publisher);
    }
}
