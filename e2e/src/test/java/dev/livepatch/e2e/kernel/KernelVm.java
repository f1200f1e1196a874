package dev.livepatch.e2e.kernel;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * One boot of a pinned Debian kernel under QEMU (TCG, one vCPU) that runs one guest script and
 * powers off: about 3 s of boot, then the script's own time.
 *
 * <pre>{@code
 * GuestRun run = KernelVm.named("load_unload").run("""
 *     . /lp/lib.sh
 *     lp_load lp_cmdline_v1
 *     cat /proc/cmdline > /shared/cmdline
 *     """);
 * assertThat(run.succeeded()).as(run.describe()).isTrue();
 * assertThat(run.file("cmdline")).contains("livepatched by lp_cmdline_v1");
 * }</pre>
 *
 * <p>The guest (see {@code e2e/kernel/guest/init}) runs the script with busybox {@code sh} as root
 * in its initramfs, where {@code /lp/lib.sh} has the shell helpers, {@code /lp/modules} the test
 * modules, {@code /shared} the VM's shared directory (writable, on the host:
 * {@code e2e/target/kernel-vm/<release>/<name>}). The host's root is at {@code /host}, read-only, with the
 * guest's {@code /proc}, {@code /sys}, {@code /dev} and a tmpfs {@code /run} laid over it: in
 * {@code chroot /host} host paths are unchanged (the shared directory too, writable), so a host JVM
 * runs there against this kernel. {@link GuestJava} builds such a command.
 *
 * <p>The script's environment ({@code /shared/env.sh}): {@code LP_SHARED_HOST} (the shared
 * directory's host path), {@code LP_JAVA_HOME} (this JVM's home), {@code LP_KERNEL_RELEASE},
 * {@code LP_MODULES_HOST} (the test modules' host path), and whatever {@link #env} added.
 *
 * <p>Not thread-safe; one instance per boot.
 */
public final class KernelVm {

  /** Long enough for the slowest scenario (a 15 s stall) on a loaded machine. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(3);

  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern BOOT_PARAMETER = Pattern.compile("[a-z0-9_.-]+(=[A-Za-z0-9_.,:-]+)?");
  private static final Pattern ENV_KEY = Pattern.compile("[A-Z_][A-Z0-9_]*");

  private final KernelImage image;
  private final Path sharedDir;
  private final Map<String, String> env = new LinkedHashMap<>();
  private Duration timeout = DEFAULT_TIMEOUT;
  private final List<String> bootParameters = new ArrayList<>();
  private final List<String> qemuArgs = new ArrayList<>();
  private String memory = "1024M";
  private volatile Process running;

  private KernelVm(KernelImage image, Path sharedDir) {
    this.image = image;
    this.sharedDir = sharedDir;
  }

  /**
   * A VM of the default kernel (bookworm's 6.1; running {@code prepare.sh} on first use) whose
   * shared directory is {@code e2e/target/kernel-vm/<release>/<name>}, emptied now.
   */
  public static KernelVm named(String name) {
    return create(KernelImage.prepare(), name);
  }

  /** As {@link #named}, for a given image. */
  public static KernelVm create(KernelImage image, String name) {
    if (!SAFE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("VM name must match " + SAFE_NAME + ": " + name);
    }
    Path dir = image.vmDir().resolve(name).toAbsolutePath();
    deleteRecursively(dir);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to create the shared dir " + dir, e);
    }
    return new KernelVm(image, dir);
  }

  /** Adds {@code export KEY='value'} to the script's environment. */
  public KernelVm env(String key, String value) {
    if (!ENV_KEY.matcher(key).matches()) {
      throw new IllegalArgumentException("not a shell variable name: " + key);
    }
    env.put(key, value);
    return this;
  }

  /** Adds these to the kernel's command line ({@code run-vm.sh}'s {@code LP_VM_APPEND}), e.g. {@code preempt=full}. */
  public KernelVm bootParameters(String... parameters) {
    for (String p : parameters) {
      if (!BOOT_PARAMETER.matcher(p).matches()) {
        throw new IllegalArgumentException("not a kernel boot parameter (name or name=value): " + p);
      }
      bootParameters.add(p);
    }
    return this;
  }

  /** The guest's memory, QEMU's {@code -m} ({@code run-vm.sh}'s {@code LP_VM_MEMORY}), e.g. {@code 3G}. */
  public KernelVm memory(String size) {
    if (!size.matches("[1-9][0-9]*[MG]")) {
      throw new IllegalArgumentException("memory must look like 1024M or 3G: " + size);
    }
    memory = size;
    return this;
  }

  /**
   * Adds QEMU arguments ({@code run-vm.sh}'s {@code LP_VM_QEMU_ARGS}, split at spaces, so none may
   * hold one), e.g. a {@code -netdev} and its {@code -device}.
   */
  public KernelVm qemuArgs(String... args) {
    for (String a : args) {
      if (a.isEmpty() || a.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("a QEMU argument must be one non-empty word: '" + a + "'");
      }
      qemuArgs.add(a);
    }
    return this;
  }

  /** Kills the VM after this long (default {@link #DEFAULT_TIMEOUT}). */
  public KernelVm timeout(Duration timeout) {
    this.timeout = timeout;
    return this;
  }

  /** The host directory the guest sees as {@code /shared}; put input files here before {@link #run}. */
  public Path sharedDir() {
    return sharedDir;
  }

  public KernelImage image() {
    return image;
  }

  /** Boots, runs {@code script} with the guest's {@code /bin/sh}, waits for power-off or the timeout. */
  public GuestRun run(String script) {
    try {
      Files.writeString(sharedDir.resolve("script.sh"), script, StandardCharsets.UTF_8);
      Files.writeString(sharedDir.resolve("env.sh"), envFile(), StandardCharsets.UTF_8);
      Files.deleteIfExists(sharedDir.resolve("exit-code"));
      return boot();
    } catch (IOException e) {
      throw new UncheckedIOException("failed to run a VM in " + sharedDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Kills a VM that {@link #run} is running in another thread (SIGKILL to QEMU); that run then
   * returns without an exit code, with the console so far. Nothing happens when none is running.
   */
  public void kill() {
    Process qemu = running;
    if (qemu != null) {
      qemu.destroyForcibly();
    }
  }

  /** Runs {@code e2e/kernel/scenarios/<scenario>.sh}. */
  public GuestRun runScenario(String scenario) {
    Path file = image.kernelDir().resolve("scenarios").resolve(scenario + ".sh");
    try {
      return run(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read scenario " + file, e);
    }
  }

  private String envFile() {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("LP_SHARED_HOST", sharedDir.toString());
    all.put("LP_JAVA_HOME", System.getProperty("java.home"));
    all.put("LP_KERNEL_RELEASE", image.kernelRelease());
    all.put("LP_MODULES_HOST", image.modulesDir().toString());
    all.putAll(env);
    StringBuilder out = new StringBuilder("# written by KernelVm; sourced by the guest's init\n");
    all.forEach((key, value) -> out.append("export ").append(key).append('=').append(Shell.quote(value)).append('\n'));
    return out.toString();
  }

  private GuestRun boot() throws IOException {
    Path consoleLog = sharedDir.resolve("console.log");
    ProcessBuilder builder = new ProcessBuilder("bash", image.kernelDir().resolve("run-vm.sh").toString(),
        sharedDir.toString())
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.environment().putAll(image.runVmEnvironment());
    if (!bootParameters.isEmpty()) builder.environment().put("LP_VM_APPEND", String.join(" ", bootParameters));
    if (!qemuArgs.isEmpty()) builder.environment().put("LP_VM_QEMU_ARGS", String.join(" ", qemuArgs));
    builder.environment().put("LP_VM_MEMORY", memory);
    long start = System.nanoTime();
    AtomicLong scriptBegan = new AtomicLong(-1);
    Process qemu = builder.start();
    running = qemu;
    StringBuilder console = new StringBuilder();
    Thread reader = new Thread(() -> copyConsole(qemu.getInputStream(), consoleLog, console, start, scriptBegan),
        "kernel-vm-console-" + sharedDir.getFileName());
    reader.setDaemon(true);
    reader.start();
    boolean exited;
    try {
      exited = qemu.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!exited) {
        qemu.destroyForcibly(); // run-vm.sh execs QEMU: this is QEMU's pid
        qemu.waitFor(10, TimeUnit.SECONDS);
      }
      reader.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      qemu.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the VM in " + sharedDir + " ran; killed it", e);
    }
    Duration wall = Duration.ofNanos(System.nanoTime() - start);
    long began = scriptBegan.get();
    String text;
    synchronized (console) {
      text = console.toString();
    }
    return new GuestRun(readExitCode(), !exited, text, sharedDir, wall,
        began < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(began - start)));
  }

  private static void copyConsole(InputStream in, Path log, StringBuilder console, long start, AtomicLong scriptBegan) {
    try (InputStream buffered = new BufferedInputStream(in); OutputStream out = Files.newOutputStream(log)) {
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = buffered.read()) >= 0) {
        out.write(b);
        char c = (char) b;
        synchronized (console) {
          console.append(c);
        }
        if (c == '\n') {
          if (scriptBegan.get() < 0 && line.toString().startsWith("LP_SCRIPT_BEGIN")) {
            scriptBegan.set(System.nanoTime());
          }
          line.setLength(0);
        } else {
          line.append(c);
        }
      }
    } catch (IOException e) {
      synchronized (console) {
        console.append("\n[KernelVm: console read failed: ").append(e).append("]\n");
      }
    }
  }

  private OptionalInt readExitCode() throws IOException {
    Path file = sharedDir.resolve("exit-code");
    if (!Files.isRegularFile(file)) {
      return OptionalInt.empty();
    }
    String text = Files.readString(file, StandardCharsets.UTF_8).trim();
    try {
      return OptionalInt.of(Integer.parseInt(text));
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.delete(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("failed to empty the shared dir " + dir, e);
    }
  }
}
