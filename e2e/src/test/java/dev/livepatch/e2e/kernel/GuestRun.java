package dev.livepatch.e2e.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * The outcome of one {@link KernelVm#run}: the guest script's exit code, the serial console and the
 * files the guest left in the shared directory.
 *
 * @param exitCode the script's exit code, empty when the guest never wrote one (it crashed, hung
 *     or its init failed: see {@link #console()})
 * @param timedOut the VM was killed after its timeout
 * @param console everything the serial console printed: kernel messages (few: {@code quiet}),
 *     the init's markers and the script's stdout and stderr
 * @param sharedDir the host directory the guest saw as {@code /shared} (and at its own path)
 * @param wall QEMU start to exit, as the host measured it
 * @param boot QEMU start to the moment the guest script began (host clock), empty if it never did
 */
public record GuestRun(
    OptionalInt exitCode, boolean timedOut, String console, Path sharedDir, Duration wall, Optional<Duration> boot) {

  /** The guest script's own output: the console between the init's markers, kernel lines removed. */
  public String scriptOutput() {
    String[] lines = console.split("\r?\n");
    StringBuilder out = new StringBuilder();
    boolean inScript = false;
    for (String line : lines) {
      if (line.startsWith("LP_SCRIPT_BEGIN")) {
        inScript = true;
      } else if (line.startsWith("LP_SCRIPT_END")) {
        inScript = false;
      } else if (inScript && !line.matches("^\\[ *\\d+\\.\\d+\\] .*")) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }

  /** True when the script ran to its end and exited 0. */
  public boolean succeeded() {
    return !timedOut && exitCode.isPresent() && exitCode.getAsInt() == 0;
  }

  /** A file the guest wrote in the shared directory, as text. */
  public String file(String name) {
    try {
      return Files.readString(sharedDir.resolve(name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read " + name + " from the guest's shared dir " + sharedDir, e);
    }
  }

  /** For assertion messages: the outcome and the console's last lines. */
  public String describe() {
    String tail = console.lines().skip(Math.max(0, console.lines().count() - 60)).collect(Collectors.joining("\n"));
    return "guest run in " + sharedDir + ": exit " + (exitCode.isPresent() ? exitCode.getAsInt() : "none")
        + (timedOut ? " (timed out)" : "") + " after " + wall.toMillis() + " ms; console (last lines):\n" + tail;
  }
}
