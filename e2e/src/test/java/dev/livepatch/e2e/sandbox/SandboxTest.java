package dev.livepatch.e2e.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.e2e.cluster.ControlPlane;
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

  @Test
  void flagsAreParsedStrictly() {
    assertThat(SandboxOptions.parse()).isEqualTo(SandboxOptions.defaults());
    assertThat(SandboxOptions.parse("--nodes", "7", "--stall-rate=0.2", "--until-complete"))
        .isEqualTo(new SandboxOptions(7, 0.2, true));
    assertThatThrownBy(() -> SandboxOptions.parse("--nodes")).hasMessageContaining("--nodes needs a value");
    assertThatThrownBy(() -> SandboxOptions.parse("--nodes", "0")).hasMessageContaining("between 1 and 500");
    assertThatThrownBy(() -> SandboxOptions.parse("--stall-rate", "2")).hasMessageContaining("between 0 and 1");
    assertThatThrownBy(() -> SandboxOptions.parse("--fast")).hasMessageContaining("unknown argument '--fast'");
    assertThatThrownBy(() -> SandboxOptions.parse("--help")).isInstanceOf(SandboxOptions.Help.class);
  }
}
