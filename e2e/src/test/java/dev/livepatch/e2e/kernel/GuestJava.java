package dev.livepatch.e2e.kernel;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Commands for a guest script that run a Java main class of this checkout inside the VM, with the
 * host's JVM, against the guest kernel's real {@code /proc} and {@code /sys}.
 *
 * <p>The guest shell function {@code lp_java} ({@code e2e/kernel/guest/lib.sh}) runs
 * {@code $LP_JAVA_HOME/bin/java} in {@code chroot /host}: the host's root, read-only over 9p, with
 * the guest's {@code /proc}, {@code /sys}, {@code /dev} and a tmpfs {@code /run} over it. Host
 * paths are unchanged there, so this JVM's own class path works as it is. It adds flags for a fast
 * start under TCG ({@code -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -XX:-UsePerfData
 * -Xmx256m -Djava.io.tmpdir=/run/tmp}); the working directory is the VM's shared directory, at its
 * host path (writable).
 *
 * <p>A daemon test, for example:
 *
 * <pre>{@code
 * KernelVm vm = KernelVm.named("daemon_load");
 * GuestRun run = vm.run(". /lp/lib.sh\n"
 *     + GuestJava.command(GuestJava.testClassPath(), "dev.livepatch.daemon.Main",
 *         "--host-root", GuestJava.NODE_ROOT, "--modules", vm.image().modulesDir().toString()));
 * }</pre>
 */
public final class GuestJava {

  /**
   * A pod-like node root in the guest's chroot, as the daemon's {@code /host} in a pod: {@code proc}
   * and {@code sys} are the guest kernel's, {@code var/lib/livepatch-operator} is writable (tmpfs).
   * The chroot's own {@code /} works too, but is read-only outside {@code /run}.
   */
  public static final String NODE_ROOT = "/run/node";

  private GuestJava() {}

  /** {@code lp_java -cp <class path> <main> <args>}, every word quoted. */
  public static String command(List<String> classPath, String mainClass, String... args) {
    List<String> words = new ArrayList<>(List.of("-cp", String.join(File.pathSeparator, classPath), mainClass));
    words.addAll(Arrays.asList(args));
    return "lp_java " + Shell.words(words);
  }

  /**
   * This test JVM's class path (Surefire sets {@code java.class.path} to the real test class path:
   * e2e's test classes, the node daemon's and operator's classes, the dependencies in
   * {@code ~/.m2}); entries that do not exist are dropped.
   */
  public static List<String> testClassPath() {
    List<String> entries = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.isBlank() && Files.exists(Path.of(entry))) {
        entries.add(Path.of(entry).toAbsolutePath().toString());
      }
    }
    return entries;
  }
}
