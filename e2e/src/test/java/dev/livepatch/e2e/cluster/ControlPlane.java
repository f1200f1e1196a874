package dev.livepatch.e2e.cluster;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes control plane for tests: etcd and kube-apiserver started by
 * {@code io.fabric8:kube-api-test} in offline mode from locally built binaries (see
 * {@link ControlPlaneBinaries}), plus a kube-controller-manager running the garbage collector and
 * the namespace controller. No scheduler, no kubelets: Node objects are created by tests.
 *
 * <p>Most tests share one per JVM: {@link #shared()} (or the {@link ClusterTest} annotation, which
 * injects it). It starts on first use and stops when the test run ends. Tests sharing it use
 * unique object names ({@link #uniqueName}) and clean up what they create.
 *
 * <pre>{@code
 * ControlPlane cp = ControlPlane.shared();
 * cp.installProjectCrds();                                   // crds/**.yaml, waits until Established
 * KubernetesClient admin = cp.client();                      // system:masters
 * KubernetesClient daemon = cp.clientAs(Identity.serviceAccount("livepatch-system", "node-daemon")
 *     .boundToNode("node-1"));                               // RBAC and admission apply
 * }</pre>
 *
 * <p>Start order: binaries (a build on first use) → etcd and kube-apiserver (kube-api-test waits
 * for /readyz and the default namespace) → kube-controller-manager (waits for its /healthz). Stop
 * order is the reverse, and every process is gone when {@link #close()} returns.
 */
public final class ControlPlane implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);
  private static final String FIELD_MANAGER = "livepatch-e2e";
  private static final Duration CRD_ESTABLISHED_TIMEOUT = Duration.ofSeconds(60);
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final java.util.regex.Pattern CRD_KIND =
      java.util.regex.Pattern.compile("(?m)^kind:\\s*[\"']?CustomResourceDefinition[\"']?\\s*$");
  /** Set to true to keep the work directory (logs, kubeconfig, certificates) after stopping. */
  public static final String KEEP_WORK_DIR_PROPERTY = "livepatch.controlplane.keepWorkDir";

  private static ControlPlane shared;

  private final ControlPlaneBinaries binaries;
  private final Path workDir;
  private final KubeAPIServer apiServer;
  private final Path kubeconfig;
  private final String kubeconfigYaml;
  private final KubernetesClient client;
  private final ControllerManagerProcess controllerManager;
  private final Duration startupTime;
  private final List<KubernetesClient> impersonatingClients = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private ControlPlane(ControlPlaneBinaries binaries, Path workDir, KubeAPIServer apiServer, Path kubeconfig,
      String kubeconfigYaml, KubernetesClient client, ControllerManagerProcess controllerManager,
      Duration startupTime) {
    this.binaries = binaries;
    this.workDir = workDir;
    this.apiServer = apiServer;
    this.kubeconfig = kubeconfig;
    this.kubeconfigYaml = kubeconfigYaml;
    this.client = client;
    this.controllerManager = controllerManager;
    this.startupTime = startupTime;
  }

  /**
   * The control plane shared by this JVM, started with {@link ControlPlaneSettings#defaults()} on
   * the first call and stopped by a shutdown hook (or earlier by the JUnit extension, at the end of
   * the test run).
   */
  public static synchronized ControlPlane shared() {
    if (shared == null || shared.closed) {
      ControlPlane started = start(ControlPlaneSettings.defaults());
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "controlplane-shutdown"));
      shared = started;
    }
    return shared;
  }

  /** Stops the shared control plane if one was started; the next {@link #shared()} starts anew. */
  static synchronized void stopShared() {
    if (shared != null) {
      shared.close();
      shared = null;
    }
  }

  /** Starts a control plane of its own (the caller closes it). Prefer {@link #shared()}. */
  public static ControlPlane start(ControlPlaneSettings settings) {
    Instant begin = Instant.now();
    ControlPlaneBinaries binaries = ControlPlaneBinaries.locate();
    Instant located = Instant.now();
    log.info("starting control plane: {}", binaries);
    Path workDir = createWorkDir();
    KubeAPIServer apiServer = null;
    KubernetesClient client = null;
    try {
      apiServer = new KubeAPIServer(kubeApiTestConfig(binaries, workDir, settings));
      apiServer.start();
      String kubeconfigYaml = apiServer.getKubeConfigYaml();
      Path kubeconfig = workDir.resolve("kubeconfig");
      Files.writeString(kubeconfig, kubeconfigYaml, StandardCharsets.UTF_8);
      client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfigYaml)).build();
      Instant apiServerReady = Instant.now();
      ControllerManagerProcess controllerManager = startControllerManager(binaries, kubeconfig, workDir, settings);
      Duration startup = Duration.between(located, Instant.now());
      log.info("control plane ready in {} ms (binaries located in {} ms, etcd + kube-apiserver {} ms, "
              + "kube-controller-manager {} ms): API server {}, kubeconfig {}, controllers {}",
          startup.toMillis(), Duration.between(begin, located).toMillis(),
          Duration.between(located, apiServerReady).toMillis(), Duration.between(apiServerReady, Instant.now()).toMillis(),
          client.getMasterUrl(), kubeconfig, controllerManager == null ? "none" : settings.controllers());
      return new ControlPlane(binaries, workDir, apiServer, kubeconfig, kubeconfigYaml, client, controllerManager,
          startup);
    } catch (IOException e) {
      stopQuietly(apiServer, client);
      throw new UncheckedIOException("failed to start the control plane in " + workDir + ": " + e.getMessage()
          + "; stopped what had started", e);
    } catch (RuntimeException e) {
      stopQuietly(apiServer, client);
      throw new IllegalStateException("failed to start the control plane (" + binaries + ", work dir " + workDir
          + "): " + e.getMessage() + "; stopped what had started", e);
    }
  }

  /**
   * kube-api-test looks for {@code <testDir>/k8s/<version>-<os>-<arch>/{etcd,kube-apiserver,kubectl}}
   * and keeps its certificates in {@code <testDir>}. A test dir per control plane, holding a link
   * to the binaries, keeps parallel runs apart and never touches {@code ~/.kubeapitest} or
   * {@code ~/.kube/config}.
   */
  private static io.fabric8.kubeapitest.KubeAPIServerConfig kubeApiTestConfig(ControlPlaneBinaries binaries,
      Path workDir, ControlPlaneSettings settings) throws IOException {
    Path testDir = workDir.resolve("kube-api-test");
    Path versionDir = testDir.resolve("k8s").resolve(binaries.version() + "-linux-" + goArch());
    Files.createDirectories(versionDir.getParent());
    Files.createSymbolicLink(versionDir, binaries.directory());
    KubeAPIServerConfigBuilder builder = KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withTestDir(testDir.toString())
        .withApiServerVersion(binaries.version())
        .withOfflineMode(true)
        .withUpdateKubeConfig(false)
        .withWaitForEtcdHealthCheckOnStartup(true)
        .withStartupTimeout(Math.toIntExact(settings.startupTimeout().toMillis()))
        // Loopback only (kube-api-test's own etcd flags listen on all interfaces, its API server too
        // unless told); the advertised address becomes the `kubernetes` Service's endpoint.
        .withApiServerFlag("--bind-address", "127.0.0.1")
        .withApiServerFlag("--advertise-address", "127.0.0.1");
    settings.apiServerFlags().forEach(builder::withApiServerFlag);
    return builder.build();
  }

  private static ControllerManagerProcess startControllerManager(ControlPlaneBinaries binaries, Path kubeconfig,
      Path workDir, ControlPlaneSettings settings) {
    if (settings.controllers().isEmpty()) {
      return null;
    }
    Optional<Path> binary = binaries.kubeControllerManager();
    if (binary.isEmpty()) {
      log.warn("no kube-controller-manager in {}: controllers {} (garbage collection by ownerReference) will not run",
          binaries.directory(), settings.controllers());
      return null;
    }
    return ControllerManagerProcess.start(binary.get(), kubeconfig, workDir, settings.controllers(),
        settings.startupTimeout());
  }

  private static String goArch() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "x86_64", "amd64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> arch;
    };
  }

  private static Path createWorkDir() {
    try {
      return Files.createTempDirectory("livepatch-controlplane-");
    } catch (IOException e) {
      throw new UncheckedIOException("failed to create a work directory for the control plane: " + e.getMessage(), e);
    }
  }

  private static void stopQuietly(KubeAPIServer apiServer, KubernetesClient client) {
    if (client != null) {
      client.close();
    }
    if (apiServer != null) {
      try {
        apiServer.stop();
      } catch (RuntimeException e) {
        log.warn("failed to stop kube-apiserver/etcd after a failed start: {}", e.toString());
      }
    }
  }

  /** A client with the admin identity ({@code system:masters}); closed with the control plane. */
  public KubernetesClient client() {
    return client;
  }

  /**
   * A new client impersonating {@code identity}: the API server authenticates the admin, then
   * authorizes (RBAC) and admits the request as the identity. Closed with the control plane;
   * closing it earlier is fine.
   */
  public KubernetesClient clientAs(Identity identity) {
    Config config = Config.fromKubeconfig(kubeconfigYaml);
    config.setImpersonateUsername(identity.username());
    config.setImpersonateGroups(identity.groups().toArray(String[]::new));
    config.setImpersonateExtras(identity.headerSafeExtra());
    KubernetesClient impersonating = new KubernetesClientBuilder().withConfig(config).build();
    impersonatingClients.add(impersonating);
    return impersonating;
  }

  /** The admin kubeconfig file, e.g. for {@code kubectl --kubeconfig}. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The admin kubeconfig's content. */
  public String kubeconfigYaml() {
    return kubeconfigYaml;
  }

  /** kubectl of the control plane's version. */
  public Path kubectl() {
    return binaries.kubectl();
  }

  public ControlPlaneBinaries binaries() {
    return binaries;
  }

  /** The Kubernetes version, e.g. {@code 1.34.4}. */
  public String kubernetesVersion() {
    return binaries.version();
  }

  /** Whether kube-controller-manager runs (so ownerReference garbage collection works). */
  public boolean garbageCollectorRunning() {
    return controllerManager != null && controllerManager.isAlive();
  }

  /** Time from located binaries to a ready control plane (excludes any build). */
  public Duration startupTime() {
    return startupTime;
  }

  /** Logs, kubeconfig and certificates of this control plane. */
  public Path workDir() {
    return workDir;
  }

  /** A name no other test of this JVM gets: {@code <prefix>-<n>-<random>}, valid as a DNS label. */
  public static String uniqueName(String prefix) {
    String random = Long.toString(Double.doubleToLongBits(Math.random()) & 0xffffffL, 36);
    return prefix + "-" + NAMES.incrementAndGet() + "-" + random;
  }

  /** Creates a namespace with a unique name starting with {@code prefix} and returns its name. */
  public String createNamespace(String prefix) {
    String name = uniqueName(prefix);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  /**
   * Installs the project's CRDs: every CustomResourceDefinition in the YAML files under the
   * checkout's {@code crds/} directory (build output under {@code target/} excluded), then waits
   * until each is Established.
   */
  public List<CustomResourceDefinition> installProjectCrds() {
    Path crds = RepositoryLayout.root().resolve("crds");
    List<Path> files;
    try (Stream<Path> walk = Files.walk(crds)) {
      files = walk.filter(p -> !crds.relativize(p).toString().contains("target"))
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .filter(ControlPlane::mentionsCrd)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("failed to list CRD files under " + crds + ": " + e.getMessage(), e);
    }
    if (files.isEmpty()) {
      throw new IllegalStateException("failed to install the project's CRDs: no YAML file under " + crds
          + " declares a CustomResourceDefinition; nothing installed");
    }
    return installCrds(files.toArray(Path[]::new));
  }

  /**
   * Server-side applies every CustomResourceDefinition found in the given YAML files, or in the
   * {@code *.yaml}/{@code *.yml} files directly inside given directories, then waits until each is
   * Established (so its resources can be used at once). Other kinds in the files are ignored.
   */
  public List<CustomResourceDefinition> installCrds(Path... filesOrDirectories) {
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (Path file : yamlFiles(filesOrDirectories)) {
      try (InputStream in = Files.newInputStream(file)) {
        for (HasMetadata item : client.load(in).items()) {
          if (item instanceof CustomResourceDefinition crd) {
            crds.add(client.resource(crd).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("failed to read CRDs from " + file + ": " + e.getMessage(), e);
      }
    }
    for (CustomResourceDefinition crd : crds) {
      String name = crd.getMetadata().getName();
      client.apiextensions().v1().customResourceDefinitions().withName(name).waitUntilCondition(
          c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
              && c.getStatus().getConditions().stream()
                  .anyMatch(cond -> "Established".equals(cond.getType()) && "True".equals(cond.getStatus())),
          CRD_ESTABLISHED_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
    log.info("installed CRDs {}", crds.stream().map(c -> c.getMetadata().getName()).toList());
    return crds;
  }

  private static List<Path> yamlFiles(Path... filesOrDirectories) {
    List<Path> files = new ArrayList<>();
    for (Path path : filesOrDirectories) {
      if (!Files.isDirectory(path)) {
        files.add(path);
        continue;
      }
      try (Stream<Path> list = Files.list(path)) {
        list.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().forEach(files::add);
      } catch (IOException e) {
        throw new UncheckedIOException("failed to list " + path + ": " + e.getMessage(), e);
      }
    }
    return files;
  }

  private static boolean mentionsCrd(Path file) {
    try {
      return CRD_KIND.matcher(Files.readString(file, StandardCharsets.UTF_8)).find();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Stops kube-controller-manager, then kube-apiserver and etcd, closes all clients and deletes the
   * work directory (kept when {@value #KEEP_WORK_DIR_PROPERTY} is true). Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    impersonatingClients.forEach(KubernetesClient::close);
    client.close();
    if (controllerManager != null) {
      controllerManager.close();
    }
    apiServer.stop();
    if (Boolean.getBoolean(KEEP_WORK_DIR_PROPERTY)) {
      log.info("control plane stopped; work dir kept: {}", workDir);
      return;
    }
    deleteRecursively(workDir);
    log.info("control plane stopped");
  }

  /** Deletes a tree without following symbolic links (the binaries are linked from it). */
  private static void deleteRecursively(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          log.warn("failed to delete {}: {}", p, e.toString());
        }
      });
    } catch (IOException e) {
      log.warn("failed to delete the control plane's work dir {}: {}", root, e.toString());
    }
  }
}
