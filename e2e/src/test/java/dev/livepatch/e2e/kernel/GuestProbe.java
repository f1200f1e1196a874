package dev.livepatch.e2e.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A main class run INSIDE the guest by {@link GuestJvmTest}, the way the node daemon will be: it
 * reads the guest kernel through a host root prefix and writes what it saw to {@code probe.txt} in
 * its working directory (the VM's shared directory).
 *
 * <p>Usage: {@code GuestProbe <host root> [class...]}, e.g. {@code /run/node}. Only the JDK: nothing
 * here may depend on what the test classpath happens to hold. The optional classes are loaded and
 * initialised by name, to time what a heavier main (the daemon's Fabric8 client) costs.
 */
public final class GuestProbe {

  private GuestProbe() {}

  public static void main(String[] args) throws IOException {
    long mainAt = System.currentTimeMillis();
    Path root = Path.of(args.length > 0 ? args[0] : "/");
    List<String> out = new ArrayList<>();
    out.add("jvm.uptime.ms=" + java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
    out.add("java.version=" + System.getProperty("java.version"));
    out.add("kernel.release=" + read(root.resolve("proc/sys/kernel/osrelease")));
    out.add("boot.id=" + read(root.resolve("proc/sys/kernel/random/boot_id")));
    Path livepatch = root.resolve("sys/kernel/livepatch");
    try (Stream<Path> patches = Files.list(livepatch)) {
      for (Path patch : patches.sorted().toList()) {
        String name = patch.getFileName().toString();
        out.add("patch." + name + ".enabled=" + read(patch.resolve("enabled")));
        out.add("patch." + name + ".transition=" + read(patch.resolve("transition")));
      }
    }
    out.add("self.patch_state=" + read(root.resolve("proc/self/patch_state")));
    out.add("cmdline=" + read(root.resolve("proc/cmdline")));
    for (int i = 1; i < args.length; i++) {
      long before = System.currentTimeMillis();
      try {
        Class.forName(args[i], true, GuestProbe.class.getClassLoader());
        out.add("load." + args[i] + ".ms=" + (System.currentTimeMillis() - before));
      } catch (ClassNotFoundException | LinkageError e) {
        out.add("load." + args[i] + ".failed=" + e);
      }
    }
    out.add("main.ms=" + (System.currentTimeMillis() - mainAt));
    Files.write(Path.of("probe.txt"), out, StandardCharsets.UTF_8);
    out.forEach(line -> System.out.println("probe: " + line));
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8).trim();
  }
}
