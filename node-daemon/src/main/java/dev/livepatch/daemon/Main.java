package dev.livepatch.daemon;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.daemon.config.DaemonConfig;
import dev.livepatch.daemon.converge.Converger;
import dev.livepatch.daemon.converge.PassRole;
import dev.livepatch.daemon.converge.StatusAssembler;
import dev.livepatch.daemon.module.CacheOnlyFetcher;
import dev.livepatch.daemon.restore.BootRestore;
import dev.livepatch.daemon.restore.BootRestorePodWriter;
import dev.livepatch.daemon.time.Sleeper;
import dev.livepatch.daemon.kernel.KernelLog;
import dev.livepatch.daemon.kernel.KmsgReader;
import dev.livepatch.daemon.logging.DaemonLogging;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.metrics.MetricRegistry;
import dev.livepatch.daemon.metrics.ProcessMeters;
import dev.livepatch.daemon.agent.ClusterClient;
import dev.livepatch.daemon.agent.HealthServer;
import dev.livepatch.daemon.agent.NodeAgent;
import dev.livepatch.daemon.agent.OwnNodeLivePatch;
import dev.livepatch.daemon.agent.StatusWriter;
import dev.livepatch.daemon.agent.Wiring;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

/**
 * The node daemon's entry point.
 *
 * <pre>
 *   java -cp ... dev.livepatch.daemon.Main                        # the DaemonSet: watch NODE_NAME's NodeLivePatch
 *   java -cp ... dev.livepatch.daemon.Main --once --spec-file spec.json --status-file status.json [--generation N] [--host-prefix /]
 *   java -cp ... dev.livepatch.daemon.Main --restore [--status-file status.json] [--host-prefix /]
 * </pre>
 *
 * One-shot mode converges the local kernel to a NodeLivePatchSpec (or a whole NodeLivePatch) read
 * from a JSON file, with no API server, writes the resulting status as JSON and exits 0 when the
 * node is Ready, 3 when it is not (a module failed), 2 on bad arguments or configuration, 1 on an
 * unexpected error. Restore mode (the boot restore, docs/design.md §5 rule 15) converges the local
 * kernel once to the last converged set the host records keep, module files from the local cache
 * alone, no API server and no network; exit codes as one-shot mode's, 0 also when there is nothing to
 * restore. Configuration is read from the environment ({@link DaemonConfig#KEYS}).
 */
public final class Main {
    static {
        // Before the logger below.
        DaemonLogging.select();
    }

    private static final Logger log = LoggerFactory.getLogger(Main.class);
    /** A slice is bounded by the fetch timeouts and a few kernel writes; one running this long is stuck. */
    private static final Duration STUCK_AFTER = Duration.ofMinutes(10);

    private Main() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts;
        DaemonConfig config;
        try {
            opts = parseArgs(args);
            Map<String, String> env = new HashMap<>(System.getenv());
            if (opts.containsKey("--host-prefix")) env.put("HOST_PREFIX", opts.get("--host-prefix"));
            config = DaemonConfig.fromEnv(env);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(opts.containsKey("--once") ? once(config, opts) : opts.containsKey("--restore") ? restore(config, opts) : daemon(config));
    }

    public static Map<String, String> parseArgs(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--once", "--restore" -> opts.put(args[i], "");
                case "--spec-file", "--status-file", "--generation", "--host-prefix" -> {
                    if (i + 1 >= args.length) throw new IllegalArgumentException(args[i] + " needs a value");
                    opts.put(args[i], args[++i]);
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (usage: [--once --spec-file F --status-file F [--generation N] | --restore [--status-file F]] [--host-prefix P])");
            }
        }
        if (opts.containsKey("--once") && opts.containsKey("--restore")) throw new IllegalArgumentException("--once and --restore exclude each other");
        if (opts.containsKey("--restore") && (opts.containsKey("--spec-file") || opts.containsKey("--generation"))) {
            throw new IllegalArgumentException("--restore takes no --spec-file or --generation: it applies the last converged set the host records keep");
        }
        if (!opts.containsKey("--once") && !opts.containsKey("--restore") && opts.keySet().stream().anyMatch(k -> !k.equals("--host-prefix"))) {
            throw new IllegalArgumentException("--spec-file, --status-file and --generation need --once (or --status-file --restore)");
        }
        if (opts.containsKey("--once") && (!opts.containsKey("--spec-file") || !opts.containsKey("--status-file"))) {
            throw new IllegalArgumentException("--once needs --spec-file and --status-file");
        }
        return opts;
    }

    /** One pass against the local kernel; no API server. Returns the exit code. */
    public static int once(DaemonConfig config, Map<String, String> opts) {
        KubernetesSerialization json = new KubernetesSerialization();
        try (KmsgReader kmsg = kmsg(config)) {
            String text = Files.readString(Path.of(opts.get("--spec-file")));
            NodeLivePatchSpec spec = text.contains("\"spec\"") && text.contains("\"kind\"")
                    ? json.unmarshal(text, NodeLivePatch.class).getSpec() : json.unmarshal(text, NodeLivePatchSpec.class);
            long gen = Long.parseLong(opts.getOrDefault("--generation", "1"));
            Path statusFile = Path.of(opts.get("--status-file"));
            // No /metrics to serve: a simple registry (Prometheus' took seconds to start in a TCG guest).
            // Every status the converger publishes (a stall with its blocking tasks, each step) is
            // written at once, as the DaemonSet's status writer would patch it: a watcher sees a
            // Stalled node while the pass still waits, and a killed pass leaves its last status.
            Converger converger = Wiring.converger(config, null, kmsg == null ? KernelLog.NONE : kmsg,
                    new DaemonMetrics(), s -> writeStatus(json, statusFile, s));
            NodeLivePatchStatus status = converger.converge(spec, gen);
            writeStatus(json, statusFile, status);
            boolean ready = StatusAssembler.isTrue(status, "Ready");
            log.atInfo().addKeyValue("ready", ready).addKeyValue("statusFile", opts.get("--status-file")).log("one-shot pass done");
            return ready ? 0 : 3;
        } catch (Exception e) {
            log.atError().setCause(e).log("one-shot pass failed");
            return 1;
        }
    }

    /** The boot restore: the last converged set from the local cache, no API server, no network. Returns the exit code. */
    public static int restore(DaemonConfig config, Map<String, String> opts) {
        KubernetesSerialization json = new KubernetesSerialization();
        Path statusFile = opts.containsKey("--status-file") ? Path.of(opts.get("--status-file")) : null;
        try (KmsgReader kmsg = kmsg(config)) {
            Wiring.Host host = Wiring.host(config, List.of(new CacheOnlyFetcher(config.moduleCacheDir())), kmsg == null ? KernelLog.NONE : kmsg);
            Converger converger = Wiring.converger(host, Clock.systemUTC(), Sleeper.REAL, Wiring.settings(config),
                    new DaemonMetrics(), s -> {
                        if (statusFile != null) writeStatus(json, statusFile, s);
                    }, PassRole.RESTORE);
            BootRestore.Outcome o = BootRestore.run(host.stateStore(), host.kernel(), converger);
            if (statusFile != null && o.status() != null) writeStatus(json, statusFile, o.status());
            log.atLevel(o.exitCode() == 0 ? org.slf4j.event.Level.INFO : org.slf4j.event.Level.ERROR).addKeyValue("exitCode", o.exitCode())
                    .addKeyValue("summary", o.summary()).log("boot restore done");
            return o.exitCode();
        } catch (Exception e) {
            log.atError().setCause(e).log("boot restore failed");
            return 1;
        }
    }

    /** Writes the status file whole (a temp file renamed over it), so a reader never sees half of one. */
    static void writeStatus(KubernetesSerialization json, Path file, NodeLivePatchStatus status) {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, json.asJson(status));
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("failed to write the status file " + abs + ": " + e.getMessage(), e);
        }
    }

    static int daemon(DaemonConfig config) throws Exception {
        if (config.nodeName().isEmpty()) {
            System.err.println("NODE_NAME is not set (give it from the downward API: spec.nodeName)");
            return 2;
        }
        MetricRegistry registry = ProcessMeters.registry();
        DaemonMetrics metrics = new DaemonMetrics(registry);
        KubernetesClient client = ClusterClient.connect();
        KmsgReader kmsg = kmsg(config);
        StatusWriter writer = new StatusWriter(client, config.nodeName());
        Converger converger = Wiring.converger(config, client, kmsg == null ? KernelLog.NONE : kmsg, metrics, writer);
        ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "converge");
            t.setDaemon(true);
            return t;
        });
        OwnNodeLivePatch own = new OwnNodeLivePatch(client, config.nodeName());
        NodeAgent agent = new NodeAgent(config.nodeName(), own::current, converger, writer::reset, worker, config.resync(),
                STUCK_AFTER, Clock.systemUTC());
        own.start(agent::trigger);
        agent.start();
        BooleanSupplier ready = () -> own.synced() && agent.ready();
        HealthServer http = config.httpPort() > 0 ? new HealthServer(config.httpPort(), agent::alive, ready, registry) : null;
        new BootRestorePodWriter(config, System.getenv(), ready, worker, Duration.ofSeconds(2)).start();
        log.atInfo().addKeyValue("node", config.nodeName()).addKeyValue("hostPrefix", config.hostPrefix())
                .addKeyValue("httpPort", config.httpPort()).addKeyValue("reason", NodeReasons.APPLYING).log("node daemon started");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            own.close();
            worker.shutdownNow();
            if (http != null) http.close();
            if (kmsg != null) kmsg.close();
            client.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    private static KmsgReader kmsg(DaemonConfig config) {
        if (!Files.isReadable(config.kmsgPath())) {
            log.atWarn().addKeyValue("file", config.kmsgPath()).log("kernel log not readable; RCU stall warnings will not be counted");
            return null;
        }
        return new KmsgReader(config.kmsgPath(), config.hostPrefix().resolve("proc/uptime")).start();
    }
}
