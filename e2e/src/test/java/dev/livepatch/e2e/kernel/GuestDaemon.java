package dev.livepatch.e2e.kernel;

import dev.livepatch.api.fixture.NodeModuleBuilder;
import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.OnStall;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The node daemon's side of a guest run: spec files for its one-shot mode
 * ({@code dev.livepatch.daemon.Main --once}) written into a VM's shared directory before the boot,
 * and the status files it wrote there read back after.
 *
 * <p>The guest script runs the passes with {@code lp_daemon NAME SPEC} ({@code guest/lib.sh}),
 * after {@code lp_daemon_prepare}, which bind-mounts the test modules at
 * {@value #MODULES_UNDER_NODE_ROOT} under the daemon's host root ({@link GuestJava#NODE_ROOT}):
 * the specs name them as {@code hostPath} sources with their real sha256, as an operator would.
 */
public final class GuestDaemon {

  /** Where the guest script binds the test modules under the daemon's host root (see lib.sh). */
  public static final String MODULES_UNDER_NODE_ROOT = "/opt/lp-modules";

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private final KernelVm vm;

  private GuestDaemon(KernelVm vm) {
    this.vm = vm;
  }

  /**
   * Sets the script's {@code LP_DAEMON_CP} (the daemon's class path) and {@code LP_DAEMON_JAVA_OPTS}
   * (its class-data archive, see {@link DaemonClassArchive}).
   */
  public static GuestDaemon in(KernelVm vm) {
    List<String> classPath = classPath();
    vm.env("LP_DAEMON_CP", String.join(File.pathSeparator, classPath));
    vm.env("LP_DAEMON_JAVA_OPTS", DaemonClassArchive.javaOptions(vm.image(), classPath));
    return new GuestDaemon(vm);
  }

  /**
   * The daemon's class path: this JVM's test class path without e2e's own test classes and the
   * operator (its logback.xml would shadow the daemon's key=value layout, as it cannot in the
   * daemon's image). Jars only, when Maven built the modules: what a class-data archive needs.
   */
  static List<String> classPath() {
    return GuestJava.testClassPath().stream()
        .filter(e -> !e.matches(".*/e2e/target/(test-)?classes/?") && !e.matches(".*/operator/target/.*"))
        .toList();
  }

  /** A desired module from test module file {@code file} (without {@code .ko}), loaded as patch {@code name}. */
  public NodeModule module(String name, String file, boolean replaceable) {
    Path path = vm.image().module(file);
    return (replaceable ? NodeModuleBuilder.replaceable(name) : NodeModuleBuilder.pinned(name)).of(name.replace('_', '-')).generation(1)
        .kernel(vm.image().kernelRelease()).from(ModuleSource.hostPath(MODULES_UNDER_NODE_ROOT + "/" + path.getFileName(), sha256(path)))
        .stallTimeout("120s").onStall(OnStall.Revert).build();
  }

  /** A replaceable desired module, patch name = file name. */
  public NodeModule replaceable(String name) {
    return module(name, name, true);
  }

  /** A pinned desired module, patch name = file name. */
  public NodeModule pinned(String name) {
    return module(name, name, false);
  }

  /** An atomic-replace (cumulative, {@code .replace = true}) replaceable module. */
  public NodeModule atomicReplace(String name) {
    NodeModule m = replaceable(name);
    m.setAtomicReplace(true);
    return m;
  }

  /** {@code m} with a stall policy. */
  public static NodeModule onStall(NodeModule m, String stallTimeout, OnStall onStall) {
    m.setStallTimeout(stallTimeout);
    m.setOnStall(onStall);
    return m;
  }

  /** Writes {@code /shared/<file>}: a NodeLivePatchSpec of these modules, in this order. */
  public GuestDaemon spec(String file, NodeModule... modules) {
    write(file, JSON.asJson(new NodeLivePatchSpec(List.of(modules))));
    return this;
  }

  /** The status the pass {@code name} wrote last ({@code <name>.status.json}). */
  public static NodeLivePatchStatus status(GuestRun run, String name) {
    return parse(run.file(name + ".status.json"));
  }

  /** A status file the guest copied, e.g. the one seen while a transition was stalled. */
  public static NodeLivePatchStatus parse(String json) {
    return JSON.unmarshal(json, NodeLivePatchStatus.class);
  }

  /** The exit code of the pass {@code name}. */
  public static int exitCode(GuestRun run, String name) {
    return Integer.parseInt(run.file(name + ".rc").trim());
  }

  public static String sha256(Path file) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void write(String file, String text) {
    try {
      Files.writeString(vm.sharedDir().resolve(file), text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to write " + file + " into " + vm.sharedDir(), e);
    }
  }
}
