package dev.livepatch.e2e.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.fixtures.controlplane.RepositoryLayout;
import dev.livepatch.sandbox.Sandbox;
import dev.livepatch.sandbox.SandboxOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The sandbox's whole logic with a few nodes on the shared control plane, as {@code ./sandbox --until-complete} runs it. */
@ClusterTest
class SandboxTest {
  /** What logback prints about itself: "10:00:00,000 |-WARN in ch.qos.logback..." and the like. */
  private static final Pattern LOGBACK_STATUS = Pattern.compile("\\|-(INFO|WARN|ERROR)|ch\\.qos\\.logback|occurs multiple times");
  private static final Pattern LOG_FILE = Pattern.compile("\\[sandbox\\] logs of the control plane, operator and daemons: (\\S+)");

  @Test
  void untilCompleteExitsZeroOnceTheRolloutAndTheUpgradeComplete(ControlPlane cp) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    String name = ControlPlane.uniqueName("sandbox");
    int code = new Sandbox(SandboxOptions.parse("--nodes", "4", "--until-complete"), out, false, name, name).run(cp, Instant.now());
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.out.print(text);

    assertThat(code).as(text).isZero();
    assertThat(text).contains("kubeconfig: " + cp.kubeconfig()).contains("rollout complete").contains("upgrade complete")
        .contains("4/4 updated").contains("rollout and upgrade complete");
    assertThat(text.lines().filter(l -> l.startsWith("rollout: ")).count()).as("plain progress lines").isPositive();
    assertThat(cp.client().resources(LivePatch.class).withName(name).get()).as("removed afterwards").isNull();
  }

  @Test
  void stagedWaitsForItsWindowThenGoesStepByStep(ControlPlane cp) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    String name = ControlPlane.uniqueName("staged");
    int code = new Sandbox(SandboxOptions.parse("--nodes", "4", "--until-complete", "--staged"), out, false, name, name).run(cp, Instant.now());
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.out.print(text);

    assertThat(code).as(text).isZero();
    assertThat(text).contains("in a maintenance window from the next whole minute").contains("waiting for window ")
        .contains("step 1/3 Baking").contains("rollout and upgrade complete");
  }

  /**
   * {@code ./sandbox} as a process of its own (its own control plane) on a class path holding the
   * operator's, the daemon's and the sandbox's jars: the terminal gets progress and no logback
   * status line, and every log line goes to the file it names, in the sandbox's layout.
   */
  @Test
  void aProcessOfItsOwnPrintsProgressOnlyAndLogsToTheFileItNames() throws Exception {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path output = Files.createDirectories(Path.of("target", "sandbox-process")).resolve("output.txt");
    Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classPath, "-Dlivepatch.repo.root=" + RepositoryLayout.root(), "dev.livepatch.sandbox.Sandbox", "--nodes", "2", "--until-complete"))
        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    boolean ended = p.waitFor(5, TimeUnit.MINUTES);
    if (!ended) {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    String out = Files.readString(output);

    assertThat(ended).as("ended within 5 min:%n%s", out).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("rollout and upgrade complete");
    assertThat(LOGBACK_STATUS.matcher(out).find()).as("logback status lines in:%n%s", out).isFalse();
    Matcher named = LOG_FILE.matcher(out);
    assertThat(named.find()).as("the log file named in:%n%s", out).isTrue();
    List<String> log = Files.readAllLines(Path.of(named.group(1)));
    assertThat(log).as("the sandbox's log").anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[main\\] ControlPlane: starting control plane.*"))
        .anyMatch(l -> l.contains("] Operator: Registered reconciler"));
    assertThat(out).as("no log line on the terminal").doesNotContain(" INFO  [");
  }
}
