package dev.livepatch.e2e.node;

import dev.livepatch.e2e.kernel.GuestRun;
import dev.livepatch.e2e.kernel.KernelVm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A QEMU guest running {@code e2e/node/guest/node.sh}: a kubelet, containerd and runc on the real
 * bookworm kernel, registering as node {@link #name()} of the host's API server. Its only network
 * is QEMU user networking with {@code restrict=on} and one {@code guestfwd} to the API server's
 * loopback port. {@link #exec} runs a shell snippet in the guest (its busybox root; the host's
 * root at {@code /host}) through the shared directory and returns its output. A persistent disk
 * (a sparse ext4 file, the guest's {@code /dev/vda}) holds containerd's root and the daemon's state
 * directory across {@link #rebootWithApiWithheld}.
 */
final class GuestNode implements AutoCloseable {

  static final Duration VM_LIFETIME = Duration.ofMinutes(20);

  /** What every boot of one node is given: a reboot boots the same again. */
  private record Boot(NodeTierImage image, String name, Path kubeconfig, int apiServerPort, List<Path> images, Path disk) {}

  private final Boot boot;
  private final KernelVm vm;
  private final CompletableFuture<GuestRun> run;
  private int commands;

  private GuestNode(Boot boot, KernelVm vm, CompletableFuture<GuestRun> run) {
    this.boot = boot;
    this.vm = vm;
    this.run = run;
  }

  /** Boots the guest on a new, empty persistent disk; returns at once (the node registers in the background). */
  static GuestNode boot(NodeTierImage image, String name, Path kubeconfig, int apiServerPort, List<Path> images) {
    Path disk = newDisk(image.workDir().resolve("node-" + name + "-disk.img"));
    Boot boot = new Boot(image, name, kubeconfig, apiServerPort, images, disk);
    try {
      Files.deleteIfExists(apiWithheld(boot));
    } catch (IOException e) {
      throw new UncheckedIOException("failed to clear a stale " + apiWithheld(boot), e);
    }
    return start(boot);
  }

  /**
   * Powers the guest off and boots it again on the same persistent disk, the relay refusing every
   * connection to the API server until {@link #allowApi}. Returns the new boot (this one has ended).
   */
  GuestNode rebootWithApiWithheld() {
    try {
      Files.writeString(apiWithheld(boot), "");
    } catch (IOException e) {
      throw new UncheckedIOException("failed to withhold the API server from " + name(), e);
    }
    if (!powerOff()) {
      throw new AssertionError("the guest did not power off within 60 s (killed)\n" + diagnostics());
    }
    return start(boot);
  }

  /** The relay connects again to the API server. */
  void allowApi() {
    try {
      Files.deleteIfExists(apiWithheld(boot));
    } catch (IOException e) {
      throw new UncheckedIOException("failed to allow the API server to " + name(), e);
    }
  }

  /** While this file exists the relay refuses the guest's connections to the API server. */
  private static Path apiWithheld(Boot boot) {
    return boot.image().workDir().resolve("node-" + boot.name() + "-api-withheld");
  }

  /** A sparse ext4 file system image (mkfs.ext4 on the host; the guest mounts it). */
  private static Path newDisk(Path file) {
    try {
      Files.deleteIfExists(file);
      try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
        f.setLength(4L << 30);
      }
      Process mkfs = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-m", "0", file.toString()).redirectErrorStream(true).start();
      String out = new String(mkfs.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!mkfs.waitFor(60, TimeUnit.SECONDS) || mkfs.exitValue() != 0) {
        throw new IllegalStateException("mkfs.ext4 " + file + " failed: " + out);
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("failed to make the persistent disk " + file, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted making " + file, e);
    }
  }

  private static GuestNode start(Boot boot) {
    NodeTierImage image = boot.image();
    String name = boot.name();
    // A directory per boot: nothing a stale run still writes (a stop request) reaches this one.
    KernelVm vm = KernelVm.create(image.kernel(), "node-" + name + "-" + System.currentTimeMillis() / 1000)
        .memory("3G").timeout(VM_LIFETIME);
    vm.qemuArgs("-netdev", "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:6443-cmd:" + relay(boot, vm),
            "-device", "virtio-net-pci,netdev=n0",
            "-drive", "file=" + boot.disk() + ",format=raw,if=virtio,cache=writeback")
        .env("LP_NODE_NAME", name)
        .env("LP_NODE_BIN", image.nodeBin().toString())
        .env("LP_NODE_PKGS", image.packages().toString())
        .env("LP_KERNEL_IMAGE", image.kernelImageDir().toString())
        .env("LP_NODE_IMAGES", boot.images().stream().map(p -> p.toAbsolutePath().toString()).collect(Collectors.joining(" ")));
    try {
      Files.copy(boot.kubeconfig(), vm.sharedDir().resolve("kubeconfig"));
      String script = Files.readString(image.nodeDir().resolve("guest/node.sh"), StandardCharsets.UTF_8);
      CompletableFuture<GuestRun> run = CompletableFuture.supplyAsync(() -> vm.run(script));
      Runtime.getRuntime().addShutdownHook(new Thread(vm::kill, "kill-node-" + name));
      return new GuestNode(boot, vm, run);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to boot node " + name, e);
    }
  }

  /**
   * The host side of the guestfwd: QEMU runs this per connection the guest opens to
   * 10.0.2.100:6443 (a {@code tcp:} chardev would be one connection for the VM's life), socat
   * relaying its stdio to the API server's loopback port — or closing it at once while the API
   * server is withheld.
   */
  private static Path relay(Boot boot, KernelVm vm) {
    Path script = vm.sharedDir().getParent().resolve(vm.sharedDir().getFileName() + "-guestfwd.sh");
    NodeTierImage image = boot.image();
    Path lib = image.packages().resolve("usr/lib/x86_64-linux-gnu");
    Path withheld = apiWithheld(boot);
    try {
      Files.writeString(script, "#!/bin/sh\n[ -e " + withheld + " ] && exit 0\nexec env LD_LIBRARY_PATH=" + lib + " "
          + image.packages().resolve("usr/bin/socat") + " - TCP:127.0.0.1:" + boot.apiServerPort() + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to write the guestfwd relay " + script, e);
    }
    if (!script.toFile().setExecutable(true)) {
      throw new IllegalStateException("failed to make " + script + " executable");
    }
    return script;
  }

  String name() {
    return boot.name();
  }

  boolean running() {
    return !run.isDone();
  }

  /** Runs {@code script} with the guest's {@code /bin/sh}; fails with the logs when it exits non-zero or outlasts {@code timeout}. */
  String exec(String script, Duration timeout) {
    ExecResult r = tryExec(script, timeout);
    if (r.rc != 0) {
      throw new AssertionError("guest command failed (rc " + r.rc + "): " + script + "\n" + r.output + "\n" + diagnostics());
    }
    return r.output;
  }

  record ExecResult(int rc, String output) {}

  ExecResult tryExec(String script, Duration timeout) {
    return exec(script, timeout, true);
  }

  private synchronized ExecResult exec(String script, Duration timeout, boolean diagnoseFailures) {
    int n = ++commands;
    Path dir = vm.sharedDir().resolve("cmd");
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(n + ".sh.tmp");
      Files.writeString(tmp, script, StandardCharsets.UTF_8);
      Files.move(tmp, dir.resolve(n + ".sh"));
      long deadline = System.nanoTime() + timeout.toNanos();
      Path rc = dir.resolve(n + ".rc");
      while (!Files.exists(rc)) {
        if (!running()) {
          throw new AssertionError("the guest stopped before command " + n + " finished: " + script
              + (diagnoseFailures ? "\n" + diagnostics() : ""));
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("guest command " + n + " still running after " + timeout + ": " + script
              + (diagnoseFailures ? "\n" + diagnostics() : ""));
        }
        Thread.sleep(200);
      }
      return new ExecResult(Integer.parseInt(Files.readString(rc).trim()), Files.readString(dir.resolve(n + ".out")));
    } catch (IOException e) {
      throw new UncheckedIOException("failed to run a guest command in " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while a guest command ran", e);
    }
  }

  /** The guest's milestones (node.sh's {@code ev}): name to uptime in seconds. */
  Map<String, Double> events() {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String line : lines(vm.sharedDir().resolve("node-events"))) {
      String[] parts = line.trim().split(" ");
      if (parts.length == 2) {
        out.put(parts[0], Double.parseDouble(parts[1]));
      }
    }
    return out;
  }

  Path sharedDir() {
    return vm.sharedDir();
  }

  /** The tails of the console, the kubelet's, containerd's and socat's logs: for failure messages. */
  String diagnostics() {
    StringBuilder out = new StringBuilder("---- node ").append(name()).append(" (").append(vm.sharedDir()).append(")");
    if (run.isDone()) {
      out.append(" — the guest has stopped: ").append(run.join().describe());
    }
    if (running()) {
      try {
        out.append("\n---- the pods' logs (in the guest)\n").append(exec(
            "for f in /host/var/log/pods/*/*/*.log; do echo \"== $f\"; tail -n 30 \"$f\"; done", Duration.ofSeconds(20), false).output);
      } catch (AssertionError e) {
        out.append("\n(the pods' logs unread: ").append(e.getMessage()).append(')');
      }
    }
    for (String file : List.of("console.log", "kubelet.log", "containerd.log", "import.log", "socat.log")) {
      List<String> lines = lines(vm.sharedDir().resolve(file));
      out.append("\n---- ").append(file).append(" (last 40 of ").append(lines.size()).append(" lines)\n")
          .append(String.join("\n", NodeTierImage.tail(lines, 40)));
    }
    return out.toString();
  }

  /** Asks the guest to power off; kills QEMU when it has not within 60 s. */
  @Override
  public void close() {
    powerOff();
  }

  /** Asks the guest to power off; false when it had not within 60 s (QEMU is killed then). */
  private boolean powerOff() {
    try {
      Files.createDirectories(vm.sharedDir().resolve("cmd"));
      Files.writeString(vm.sharedDir().resolve("cmd/stop"), "");
      run.get(60, TimeUnit.SECONDS);
      return true;
    } catch (TimeoutException e) {
      vm.kill();
      return false;
    } catch (Exception e) {
      vm.kill();
      return false;
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.ISO_8859_1) : List.of();
    } catch (IOException e) {
      return List.of("(unreadable: " + e + ")");
    }
  }
}
