package dev.livepatch.e2e.gitops;

import dev.livepatch.fixtures.controlplane.RepositoryLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The health Flux computes: sigs.k8s.io/cli-utils' kstatus library (the version pinned in
 * {@code e2e/kstatus/go.mod}), run as the small command {@code e2e/kstatus/build.sh} builds from the
 * Go module proxy once and caches.
 */
public final class Kstatus {

  /** What kstatus says about one object: InProgress, Failed, Current, Terminating, and why. */
  public record Verdict(String status, String message) {}

  /** A cold build compiles apimachinery on two shared cores; a warm one is a no-op. */
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
  private static Kstatus built;

  private final Path binary;

  private Kstatus(Path binary) {
    this.binary = binary;
  }

  /** The command, built by build.sh if its cache has none for these inputs. */
  public static synchronized Kstatus build() {
    if (built == null) {
      Path script = RepositoryLayout.root().resolve("e2e/kstatus/build.sh");
      List<String> out = run(List.of("bash", script.toString()), "", BUILD_TIMEOUT);
      String last = out.isEmpty() ? "" : out.get(out.size() - 1).trim();
      if (last.isEmpty()) {
        throw new IllegalStateException("failed to build kstatus with " + script + ": it printed no path (its progress is above, prefixed [kstatus])");
      }
      built = new Kstatus(Path.of(last));
    }
    return built;
  }

  /** kstatus's verdict on each object, given as JSON, in order. */
  public List<Verdict> compute(List<String> objectsAsJson) {
    List<String> lines = run(List.of(binary.toString()), String.join("\n", objectsAsJson), RUN_TIMEOUT);
    if (lines.size() != objectsAsJson.size()) {
      throw new IllegalStateException(binary + " printed " + lines.size() + " lines for " + objectsAsJson.size() + " objects: " + lines);
    }
    return lines.stream().map(line -> {
      String[] parts = line.split("\t", 2);
      return new Verdict(parts[0], parts.length > 1 ? parts[1] : "");
    }).toList();
  }

  public Verdict compute(String objectAsJson) {
    return compute(List.of(objectAsJson)).get(0);
  }

  /** Runs {@code command} with {@code stdin}; its stderr goes to this process's; returns its stdout's lines. */
  private static List<String> run(List<String> command, String stdin, Duration timeout) {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new UncheckedIOException("failed to start " + command + ": " + e.getMessage(), e);
    }
    CompletableFuture<Void> feed = CompletableFuture.runAsync(() -> {
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      List<String> lines = out.lines().toList();
      if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " still running after " + timeout + "; stopped it");
      }
      feed.join();
      if (process.exitValue() != 0) {
        throw new IllegalStateException(command + " failed with exit code " + process.exitValue() + " (its error is above); stdout: " + lines);
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read the output of " + command + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }
}
