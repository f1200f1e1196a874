package dev.livepatch.e2e.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Prometheus' naming and exposition conventions that its linter (promlint) does not check, over one
 * parsed scrape: every family has a TYPE and a HELP text; counters, and only counters, end in
 * {@code _total}; names carry base units (seconds, bytes), never milliseconds, minutes or
 * megabytes; a histogram's name ends in its unit, each {@code _bucket} has an {@code le}, buckets are
 * cumulative up to {@code +Inf}, which equals {@code _count}, and {@code _sum} is there.
 */
final class Conventions {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> NON_BASE_UNITS = Set.of("milliseconds", "millis", "ms", "microseconds", "us", "nanoseconds", "ns",
      "minutes", "hours", "days", "kilobytes", "megabytes", "gigabytes", "kb", "mb", "gb", "kib", "mib", "gib", "percent");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  private Conventions() {}

  /** The problems of this scrape, one line each ("name: what"); empty when it keeps every convention. */
  static List<String> problems(Exposition e) {
    List<String> out = new ArrayList<>();
    for (Exposition.Family f : e.families().values()) {
      String n = f.name();
      if (!METRIC_NAME.matcher(n).matches()) {
        out.add(n + ": not a valid metric name");
      }
      if (f.type() == null || !TYPES.contains(f.type())) {
        out.add(n + ": no # TYPE line, or an unknown type " + f.type());
      }
      if (f.help() == null || f.help().isBlank()) {
        out.add(n + ": no # HELP text");
      }
      if (f.samples().isEmpty()) {
        out.add(n + ": a TYPE without samples");
      }
      List<String> tokens = Arrays.asList(n.split("_"));
      tokens.stream().filter(NON_BASE_UNITS::contains).findFirst()
          .ifPresent(u -> out.add(n + ": unit '" + u + "' is not a base unit (seconds, bytes, ratio)"));
      boolean counter = "counter".equals(f.type());
      if (counter != n.endsWith("_total")) {
        out.add(n + (counter ? ": a counter whose name does not end in _total" : ": a " + f.type() + " whose name ends in _total"));
      }
      for (Exposition.Sample s : f.samples()) {
        s.labels().keySet().stream().filter(l -> !LABEL_NAME.matcher(l).matches() || l.startsWith("__"))
            .forEach(l -> out.add(n + ": label name '" + l + "' is not valid"));
        if (counter && !s.name().equals(n)) {
          out.add(n + ": counter sample " + s.name() + " is not named as its family");
        }
        if (counter && s.value() < 0) {
          out.add(n + ": negative counter " + s.labels());
        }
      }
      if ("histogram".equals(f.type())) {
        out.addAll(histogramProblems(f));
      }
      if ("summary".equals(f.type())) {
        f.samples().stream().filter(s -> s.name().equals(n) && !s.labels().containsKey("quantile"))
            .forEach(s -> out.add(n + ": summary sample without quantile " + s.labels()));
      }
    }
    return out;
  }

  private static List<String> histogramProblems(Exposition.Family f) {
    List<String> out = new ArrayList<>();
    String n = f.name();
    if (!n.endsWith("_seconds") && !n.endsWith("_bytes")) {
      out.add(n + ": a histogram whose name does not end in its base unit (_seconds or _bytes)");
    }
    Map<Map<String, String>, List<Exposition.Sample>> buckets = new LinkedHashMap<>();
    Map<Map<String, String>, Double> counts = new HashMap<>();
    Map<Map<String, String>, Double> sums = new HashMap<>();
    for (Exposition.Sample s : f.samples()) {
      if (s.name().equals(n + "_bucket")) {
        if (!s.labels().containsKey("le")) {
          out.add(n + ": _bucket without le " + s.labels());
          continue;
        }
        Map<String, String> series = new LinkedHashMap<>(s.labels());
        series.remove("le");
        buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
      } else if (s.name().equals(n + "_count")) {
        counts.put(s.labels(), s.value());
      } else if (s.name().equals(n + "_sum")) {
        sums.put(s.labels(), s.value());
      } else {
        out.add(n + ": sample " + s.name() + " in a histogram is none of _bucket, _count, _sum");
      }
    }
    if (buckets.isEmpty()) {
      out.add(n + ": a histogram without _bucket samples (a summary in disguise?)");
    }
    buckets.forEach((series, list) -> {
      List<Exposition.Sample> sorted = list.stream().sorted(Comparator.comparingDouble(s -> le(s))).toList();
      for (int i = 1; i < sorted.size(); i++) {
        if (sorted.get(i).value() < sorted.get(i - 1).value()) {
          out.add(n + series + ": bucket le=" + sorted.get(i).labels().get("le") + " holds fewer than the one below it");
        }
      }
      Exposition.Sample last = sorted.get(sorted.size() - 1);
      if (!"+Inf".equals(last.labels().get("le"))) {
        out.add(n + series + ": no le=\"+Inf\" bucket");
      } else if (counts.get(series) == null || last.value() != counts.get(series)) {
        out.add(n + series + ": the +Inf bucket (" + last.value() + ") differs from _count (" + counts.get(series) + ")");
      }
      if (!sums.containsKey(series)) {
        out.add(n + series + ": no _sum");
      }
    });
    return out;
  }

  private static double le(Exposition.Sample s) {
    String le = s.labels().get("le");
    return "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
  }
}
