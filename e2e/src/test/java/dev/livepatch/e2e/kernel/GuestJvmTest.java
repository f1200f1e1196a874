package dev.livepatch.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Properties;
import java.io.StringReader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The node daemon's way into the guest: a main class of this checkout, run by the host's JVM inside
 * the VM (chroot of the 9p-shared host root), reads the guest kernel's {@code /sys/kernel/livepatch}
 * through a host-root prefix. Also measures the JVM's start under TCG, with and without the fast
 * flags, into {@code e2e/target/kernel-vm/jvm-startup.txt}.
 */
@Tag("kernel")
class GuestJvmTest {

  @Test
  void mainClassInTheGuestReadsTheGuestsLivepatchSysfs() throws IOException {
    KernelVm vm = KernelVm.named("guest_jvm");
    String probe = GuestJava.command(GuestJava.testClassPath(), GuestProbe.class.getName(), GuestJava.NODE_ROOT);
    GuestRun run = vm.run(String.join("\n",
        ". /lp/lib.sh",
        "lp_load lp_cmdline_v1",
        "up() { cut -d' ' -f1 /proc/uptime; }",
        "t0=$(up)",
        probe + " || fail 'GuestProbe failed with fast flags'",
        "t1=$(up)",
        "cp probe.txt probe-fast.txt",
        probe + " >/dev/null || fail 'GuestProbe failed with fast flags, again'",
        "t2=$(up)",
        "LP_JAVA_FAST_OPTS='-Djava.io.tmpdir=/run/tmp'",
        probe + " >/dev/null || fail 'GuestProbe failed with default flags'",
        "t3=$(up)",
        "echo \"$t0 $t1 $t2 $t3\" >/shared/jvm-times",
        ""));
    assertThat(run.succeeded()).as(run.describe()).isTrue();

    Properties seen = new Properties();
    seen.load(new StringReader(run.file("probe-fast.txt")));
    assertThat(seen.getProperty("kernel.release")).isEqualTo(vm.image().kernelRelease());
    assertThat(seen.getProperty("patch.lp_cmdline_v1.enabled")).isEqualTo("1");
    assertThat(seen.getProperty("patch.lp_cmdline_v1.transition")).isEqualTo("0");
    assertThat(seen.getProperty("self.patch_state")).isEqualTo("-1");
    assertThat(seen.getProperty("cmdline")).contains("livepatched by lp_cmdline_v1");
    assertThat(seen.getProperty("boot.id")).matches("[0-9a-f-]{36}");

    double[] t = Arrays.stream(run.file("jvm-times").trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
    String report = String.format("JVM in guest (TCG), whole run of a small main: first (cold 9p cache) %.2f s"
        + " (JVM uptime at main %s ms); again %.2f s; default flags %.2f s%n",
        t[1] - t[0], seen.getProperty("jvm.uptime.ms"), t[2] - t[1], t[3] - t[2]);
    System.out.print(report);
    Files.writeString(vm.image().workDir().resolve("jvm-startup.txt"), report, StandardCharsets.UTF_8);
  }
}
