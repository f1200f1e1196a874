package dev.livepatch.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A kube-controller-manager running only the given controllers (by default the garbage collector,
 * which deletes objects whose ownerReferences point at deleted owners, and the namespace
 * controller, which empties and removes deleted namespaces). kube-apiserver and etcd alone run
 * no controllers.
 *
 * <p>It talks to the API server with the admin kubeconfig, without leader election and without
 * per-controller service account credentials (their tokens controller is not running). It serves
 * {@code /healthz} on a loopback port, which {@link #start} polls until it answers 200.
 */
final class ControllerManagerProcess implements AutoCloseable {

  private static final Duration HEALTH_POLL = Duration.ofMillis(200);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final int LOG_TAIL_LINES = 40;

  private final Process process;
  private final Path log;

  private ControllerManagerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts kube-controller-manager and waits, at most {@code timeout}, until its /healthz answers.
   * On failure it is stopped and the exception carries the end of its log.
   */
  static ControllerManagerProcess start(Path binary, Path kubeconfig, Path workDir, List<String> controllers,
      Duration timeout) {
    Path certDir = workDir.resolve("kube-controller-manager-certs");
    Path log = workDir.resolve("kube-controller-manager.log");
    int port = freeLoopbackPort();
    List<String> command = new ArrayList<>(List.of(
        binary.toString(),
        "--kubeconfig=" + kubeconfig,
        "--authentication-kubeconfig=" + kubeconfig,
        "--authorization-kubeconfig=" + kubeconfig,
        // kube-api-test sets up no front proxy: without this, the controller manager retries reading
        // the request-header CA from kube-system/extension-apiserver-authentication forever.
        "--authentication-skip-lookup=true",
        "--controllers=" + String.join(",", controllers),
        "--leader-elect=false",
        "--use-service-account-credentials=false",
        "--bind-address=127.0.0.1",
        "--secure-port=" + port,
        "--cert-dir=" + certDir,
        "--v=1"));
    Process process;
    try {
      Files.createDirectories(certDir);
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.PIPE)
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("failed to start kube-controller-manager " + binary + ": " + e.getMessage()
          + "; API server left running", e);
    }
    ControllerManagerProcess started = new ControllerManagerProcess(process, log);
    try {
      started.awaitHealthy(port, timeout);
      return started;
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
  }

  private void awaitHealthy(int port, Duration timeout) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trustAll()).connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest healthz = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/healthz"))
        .timeout(Duration.ofSeconds(2)).build();
    Instant deadline = Instant.now().plus(timeout);
    String last = "no answer yet";
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("failed to start kube-controller-manager: it exited with code "
            + process.exitValue() + "; API server left running; end of " + log + ":\n" + logTail());
      }
      try {
        HttpResponse<String> response = http.send(healthz, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = "HTTP " + response.statusCode() + ": " + response.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for kube-controller-manager to become healthy", e);
      }
      sleep(HEALTH_POLL);
    }
    throw new IllegalStateException("failed to start kube-controller-manager: /healthz on port " + port
        + " not healthy after " + timeout + " (last: " + last + "); stopping it; end of " + log + ":\n" + logTail());
  }

  /** The process's log file (stdout and stderr). */
  Path log() {
    return log;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM, then SIGKILL after {@link #STOP_GRACE}; returns when the process is gone. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  private static int freeLoopbackPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("failed to find a free loopback port for kube-controller-manager", e);
    }
  }

  /** kube-controller-manager serves /healthz with a self-signed certificate it makes at start. */
  private static SSLContext trustAll() {
    TrustManager trustAll = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trustAll}, new SecureRandom());
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("failed to create a TLS context for kube-controller-manager's health check", e);
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for kube-controller-manager", e);
    }
  }
}
