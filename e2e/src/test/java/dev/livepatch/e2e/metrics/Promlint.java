package dev.livepatch.e2e.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus' own linter (client_golang's promlint) over a scrape, as the small command in
 * {@code e2e/promlint} built by its build.sh (once; cached by its inputs).
 */
final class Promlint {
  private static final long BUILD_TIMEOUT_S = 600;
  private static final long LINT_TIMEOUT_S = 30;
  private static final String SCRIPT = "e2e/promlint/build.sh";
  private static Path binary;

  private Promlint() {}

  /** The linter's problems with this text, one "metric<TAB>text" line each; empty when it has none. */
  static List<String> problems(String exposition) {
    Process p = start(List.of(binary().toString()), ProcessBuilder.Redirect.PIPE);
    try (OutputStream in = p.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("failed to feed the scrape to " + binary + ": " + e.getMessage(), e);
    }
    String out = finish(p, LINT_TIMEOUT_S, binary.toString());
    if (p.exitValue() == 2) {
      throw new AssertionError("promlint could not parse the scrape: " + out);
    }
    return out.lines().filter(l -> !l.isBlank()).toList();
  }

  private static synchronized Path binary() {
    if (binary == null) {
      Path script = script();
      Process p = start(List.of("bash", script.toString()), ProcessBuilder.Redirect.INHERIT);
      List<String> lines = finish(p, BUILD_TIMEOUT_S, script.toString()).lines().toList();
      if (p.exitValue() != 0 || lines.isEmpty() || !Files.isExecutable(Path.of(lines.get(lines.size() - 1)))) {
        throw new IllegalStateException("failed to build promlint with " + script + ": exit code " + p.exitValue()
            + " (its errors are above, prefixed [promlint])");
      }
      binary = Path.of(lines.get(lines.size() - 1));
    }
    return binary;
  }

  /** build.sh in the checkout: the nearest directory at or above the working directory that holds it. */
  private static Path script() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(SCRIPT))) {
        return dir.resolve(SCRIPT);
      }
    }
    throw new IllegalStateException("failed to find " + SCRIPT + " at or above " + Path.of("").toAbsolutePath());
  }

  private static Process start(List<String> command, ProcessBuilder.Redirect stderr) {
    try {
      return new ProcessBuilder(command).redirectError(stderr).start();
    } catch (IOException e) {
      throw new UncheckedIOException("failed to start " + command + ": " + e.getMessage(), e);
    }
  }

  /** Its standard output (and error, when piped), once it exited within the timeout. */
  private static String finish(Process p, long timeoutSeconds, String what) {
    try {
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(what + " still ran after " + timeoutSeconds + "s; stopped it");
      }
      return new String(out, StandardCharsets.UTF_8) + new String(err, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read the output of " + what + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + what, e);
    }
  }
}
