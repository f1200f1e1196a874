package dev.livepatch.e2e.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Named instants of one tier run, written as seconds since the first ({@code target/node-tier/timings.txt}). */
final class Timings {

  private final Map<String, Long> marks = new LinkedHashMap<>();
  private final Map<String, String> figures = new LinkedHashMap<>();

  synchronized void mark(String name) {
    marks.putIfAbsent(name, System.nanoTime());
  }

  synchronized void figure(String name, String value) {
    figures.put(name, value);
  }

  synchronized double seconds(String from, String to) {
    if (!marks.containsKey(from) || !marks.containsKey(to)) {
      return Double.NaN;
    }
    return (marks.get(to) - marks.get(from)) / 1e9;
  }

  synchronized void write(Path file) {
    StringBuilder out = new StringBuilder();
    long first = marks.values().stream().findFirst().orElse(0L);
    marks.forEach((k, v) -> out.append(String.format("%-24s %8.1f s%n", k, (v - first) / 1e9)));
    figures.forEach((k, v) -> out.append(String.format("%-24s %s%n", k, v)));
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to write " + file, e);
    }
  }
}
