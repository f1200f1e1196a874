package dev.livepatch.e2e.kernelbench;

import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.daemon.config.DaemonConfig;
import dev.livepatch.daemon.converge.Converger;
import dev.livepatch.daemon.kernel.KernelLog;
import dev.livepatch.daemon.kernel.KmsgReader;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.metrics.MetricRegistry;
import dev.livepatch.daemon.metrics.ProcessMeters;
import dev.livepatch.daemon.agent.ClusterClient;
import dev.livepatch.daemon.agent.HealthServer;
import dev.livepatch.daemon.agent.Wiring;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The node daemon's long-running shape without an API server, for benchmark 2's idle memory: the
 * components {@code Main}'s daemon mode starts (a Fabric8 client, the Prometheus registry and
 * metrics, the health server, the kernel-log reader, the converger from {@code Wiring}) are built
 * the same way; the informer on its NodeLivePatch, which needs an API server, is replaced by one
 * spec file. It converges once, writes the status, writes its pid to {@code <status>.ready}, then stays idle
 * and converges again every {@code RESYNC_INTERVAL}, as the node agent's resync does, until killed.
 *
 * <pre>
 *   HOST_PREFIX=/run/node java ... IdleDaemon --spec-file spec.json --status-file status.json
 * </pre>
 */
public final class IdleDaemon {

  private IdleDaemon() {}

  public static void main(String[] args) throws Exception {
    dev.livepatch.daemon.logging.DaemonLogging.select();
    // Main's own check wants one-shot mode for --spec-file and --status-file; this is daemon mode without an informer.
    Map<String, String> opts = dev.livepatch.daemon.Main.parseArgs(Stream.concat(Stream.of("--once"), Arrays.stream(args)).toArray(String[]::new));
    DaemonConfig config = DaemonConfig.fromEnv(System.getenv());
    KubernetesClient client = ClusterClient.connect(); // built as in daemon mode; never called
    KubernetesSerialization json = client.getKubernetesSerialization(); // as the daemon's StatusWriter
    NodeLivePatchSpec spec = json.unmarshal(Files.readString(Path.of(opts.get("--spec-file"))), NodeLivePatchSpec.class);
    Path statusFile = Path.of(opts.get("--status-file"));

    MetricRegistry registry = ProcessMeters.registry();
    DaemonMetrics metrics = new DaemonMetrics(registry);
    KmsgReader kmsg = Files.isReadable(config.kmsgPath())
        ? new KmsgReader(config.kmsgPath(), config.hostPrefix().resolve("proc/uptime")).start() : null;
    Converger converger = Wiring.converger(config, client, kmsg == null ? KernelLog.NONE : kmsg, metrics, s -> { });
    NodeLivePatchStatus[] last = new NodeLivePatchStatus[1];
    HealthServer http = config.httpPort() > 0
        ? new HealthServer(config.httpPort(), () -> true, () -> last[0] != null, registry) : null;

    last[0] = converger.converge(spec, 1);
    Files.writeString(statusFile, json.asJson(last[0]));
    Files.writeString(statusFile.resolveSibling(statusFile.getFileName() + ".ready"), ProcessHandle.current().pid() + "\n");
    System.out.println("idle-daemon converged; http=" + (http != null) + "; resync every " + config.resync());
    while (true) {
      Thread.sleep(config.resync().toMillis());
      last[0] = converger.converge(spec, 1);
    }
  }
}
