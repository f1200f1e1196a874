package dev.livepatch.e2e.kernel;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A fast start for the node daemon's JVM in the guest: an AppCDS archive of the classes one
 * one-shot pass loads, dumped once per test run on the host ({@code -XX:ArchiveClassesAtExit})
 * with the same JDK, class path and flags the guest uses, so the guest maps it instead of parsing
 * and verifying some 2,900 classes (Jackson, logback, Fabric8's model, Micrometer) under TCG.
 *
 * <p>Measured: a pass on an empty spec takes 2.4–3.0 s on the host without it and 0.8–1.0 s with
 * it; in the guest a pass went from about 17 s to the figure in the README. The JVM checks the
 * archive against the class path's jars (paths, sizes, times) and ignores it when they differ, so a
 * stale archive costs time, never correctness; when the dump fails (class directories instead of
 * jars, e.g. from an IDE) the daemon runs without one.
 */
final class DaemonClassArchive {

  /** The flags of {@code lp_java} in {@code guest/lib.sh}; the archive is dumped with them. */
  static final List<String> GUEST_JAVA_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
      "-XX:-UsePerfData", "-Xmx256m");

  private static String options;

  private DaemonClassArchive() {}

  /** {@code -XX:SharedArchiveFile=<archive>}, dumping it on the first call; empty when it could not be made. */
  static synchronized String javaOptions(KernelImage image, List<String> classPath) {
    if (options == null) {
      options = dump(image.workDir().resolve("daemon-cds"), classPath);
    }
    return options;
  }

  private static String dump(Path dir, List<String> classPath) {
    Path archive = dir.resolve("daemon.jsa");
    Path root = dir.resolve("root");
    Path log = dir.resolve("dump.log");
    try {
      // A fake host root, as the daemon's unit tests make one: one pass on an empty spec.
      Files.createDirectories(root.resolve("sys/kernel/livepatch"));
      Files.createDirectories(root.resolve("proc/sys/kernel/random"));
      Files.writeString(root.resolve("proc/sys/kernel/osrelease"), "6.1.0-0-amd64\n");
      Files.writeString(root.resolve("proc/sys/kernel/random/boot_id"), "00000000-0000-0000-0000-000000000000\n");
      Files.writeString(root.resolve("proc/modules"), "");
      Files.writeString(root.resolve("proc/uptime"), "0.00 0.00\n");
      Files.writeString(root.resolve("kmsg"), "6,1,1,-;livepatch: enabling patch 'lp_none'\n");
      Files.writeString(dir.resolve("spec.json"), "{\"modules\":[]}");
      Files.deleteIfExists(archive);
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
      command.addAll(GUEST_JAVA_FLAGS);
      command.addAll(List.of("-XX:ArchiveClassesAtExit=" + archive, "-cp", String.join(File.pathSeparator, classPath),
          "dev.livepatch.daemon.Main", "--once", "--spec-file", dir.resolve("spec.json").toString(),
          "--status-file", dir.resolve("status.json").toString()));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().put("HOST_PREFIX", root.toString());
      builder.environment().put("KMSG_PATH", root.resolve("kmsg").toString());
      builder.environment().put("STATE_FILE", "/state.json");
      builder.environment().put("MODULE_CACHE_DIR", "/modules");
      Process p = builder.start();
      if (!p.waitFor(3, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return warn("no answer after 3 min", log);
      }
      if (p.exitValue() != 0 || !Files.isRegularFile(archive)) {
        return warn("exit " + p.exitValue(), log);
      }
      return "-XX:SharedArchiveFile=" + archive;
    } catch (IOException e) {
      throw new UncheckedIOException("failed to dump the daemon's class-data archive in " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while dumping the daemon's class-data archive", e);
    }
  }

  private static String warn(String why, Path log) throws IOException {
    System.out.printf("daemon class-data archive not made (%s); the guest's daemon starts without it. %s:%n%s%n", why, log,
        Files.readString(log, StandardCharsets.UTF_8));
    return "";
  }
}
