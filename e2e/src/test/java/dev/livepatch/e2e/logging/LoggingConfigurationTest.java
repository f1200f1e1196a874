package dev.livepatch.e2e.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Each process selects its own logging configuration by name, so a class path that holds both the
 * operator's and the daemon's jars (this module's, the sandbox's, the benchmarks') finds no
 * {@code logback.xml} twice and logback prints none of its own status lines; each process, started
 * on exactly such a class path, logs in its production layout.
 */
class LoggingConfigurationTest {
  private static final Pattern LOG_LINE = Pattern.compile("(?m)^ts=\\S+ level=(INFO|WARN|ERROR) logger=\\S+ ");
  /** What logback prints about itself: "10:00:00,000 |-WARN in ch.qos.logback..." and the like. */
  private static final Pattern LOGBACK_STATUS = Pattern.compile("\\|-(INFO|WARN|ERROR)|ch\\.qos\\.logback|occurs multiple times");

  @Test
  void neitherJarShipsALogbackXmlAndEachProductionConfigurationIsFoundOnce() throws IOException {
    ClassLoader cl = getClass().getClassLoader();
    assertThat(Collections.list(cl.getResources("logback.xml"))).as("logback.xml on the test class path").isEmpty();
    List<URL> operator = Collections.list(cl.getResources("livepatch-operator-logback.xml"));
    assertThat(operator).as("the operator's configuration").singleElement().asString().doesNotContain("node-daemon");
    // The daemon's is its own SLF4J provider (DaemonLogging), which its Main selects by name: no service file names it,
    // so the operator on the same class path finds logback's alone.
    assertThat(Collections.list(cl.getResources("META-INF/services/ch.qos.logback.classic.spi.Configurator"))).as("logback configurators").isEmpty();
    assertThat(Collections.list(cl.getResources("META-INF/services/org.slf4j.spi.SLF4JServiceProvider"))).as("SLF4J providers")
        .singleElement().asString().contains("logback-classic");
  }

  @Test
  void theDaemonLogsInItsOwnLayoutWithNoLogbackStatusOnAClassPathWithBothJars() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "logging-test")).toAbsolutePath();
    Path missing = dir.resolve("no-such-spec.json");
    String out = run(dir.resolve("daemon.log"), Map.of("KMSG_PATH", dir.resolve("no-kmsg").toString()), "dev.livepatch.daemon.Main",
        "--once", "--spec-file", missing.toString(), "--status-file", dir.resolve("status.json").toString(), "--host-prefix", dir.toString());
    assertThat(out).contains("level=WARN logger=Main msg=\"kernel log not readable")
        .contains("level=ERROR logger=Main msg=\"one-shot pass failed\"");
    assertThat(LOGBACK_STATUS.matcher(out).find()).as("logback status lines in:%n%s", out).isFalse();
  }

  @Test
  void theOperatorLogsInItsOwnLayoutWithNoLogbackStatusOnAClassPathWithBothJars() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "logging-test")).toAbsolutePath();
    // An API server that is not there: the operator starts, logs, and fails to reach it.
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
        users: [{name: none, user: {token: none}}]
        contexts: [{name: none, context: {cluster: none, user: none}}]
        current-context: none
        """);
    String out = run(dir.resolve("operator.log"), Map.of("KUBECONFIG", kubeconfig.toString(), "LIVEPATCH_LEADER_ELECTION", "false",
        "LIVEPATCH_HTTP_PORT", "0"), "dev.livepatch.operator.Main");
    assertThat(LOG_LINE.matcher(out).find()).as("a line in the operator's layout in:%n%s", out).isTrue();
    assertThat(LOGBACK_STATUS.matcher(out).find()).as("logback status lines in:%n%s", out).isFalse();
  }

  /** Runs {@code main} on this module's test class path until it exits or has logged a line (then stops it); returns its output. */
  private static String run(Path log, Map<String, String> env, String main, String... args) throws Exception {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-cp", classPath, main));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
      while (p.isAlive() && Instant.now().isBefore(deadline) && !LOG_LINE.matcher(Files.readString(log)).find()) {
        Thread.sleep(200);
      }
      if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroy();
      p.waitFor(20, TimeUnit.SECONDS);
    } finally {
      p.destroyForcibly();
    }
    return Files.readString(log);
  }
}
