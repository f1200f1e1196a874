package dev.livepatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code ./sandbox}'s flags; the run itself is e2e's SandboxTest, on the shared control plane. */
class SandboxOptionsTest {

  @Test
  void flagsAreParsedStrictly() {
    assertThat(SandboxOptions.parse()).isEqualTo(SandboxOptions.defaults());
    assertThat(SandboxOptions.parse("--nodes", "7", "--stall-rate=0.2", "--until-complete"))
        .isEqualTo(new SandboxOptions(7, 0.2, true));
    assertThat(SandboxOptions.parse("--staged")).isEqualTo(new SandboxOptions(20, 0, false, true));
    assertThatThrownBy(() -> SandboxOptions.parse("--nodes")).hasMessageContaining("--nodes needs a value");
    assertThatThrownBy(() -> SandboxOptions.parse("--nodes", "0")).hasMessageContaining("between 1 and 500");
    assertThatThrownBy(() -> SandboxOptions.parse("--stall-rate", "2")).hasMessageContaining("between 0 and 1");
    assertThatThrownBy(() -> SandboxOptions.parse("--fast")).hasMessageContaining("unknown argument '--fast'");
    assertThatThrownBy(() -> SandboxOptions.parse("--help")).isInstanceOf(SandboxOptions.Help.class);
  }
}
