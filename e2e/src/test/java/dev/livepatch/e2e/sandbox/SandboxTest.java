package dev.livepatch.e2e.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import dev.livepatch.sandbox.Sandbox;
import dev.livepatch.sandbox.SandboxOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The sandbox's whole logic with a few nodes on the shared control plane, as {@code ./sandbox --until-complete} runs it. */
@ClusterTest
class SandboxTest {

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
}
