package dev.livepatch.e2e.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One scrape in Prometheus' text exposition format (version 0.0.4), parsed: the metric families
 * with their {@code # HELP} and {@code # TYPE} lines and their samples. A line that does not parse
 * fails the parse with its line number.
 */
record Exposition(String text, Map<String, Family> families) {

  record Sample(String name, Map<String, String> labels, double value) {}

  /** A metric family; {@code type} and {@code help} are null when the text has no such line for it. */
  record Family(String name, String type, String help, List<Sample> samples) {}

  static Exposition scrape(URI metrics) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new AssertionError("GET " + metrics + " answered " + r.statusCode() + ": " + r.body());
      }
      String type = r.headers().firstValue("Content-Type").orElse("");
      if (!type.startsWith("text/plain") || !type.contains("version=0.0.4")) {
        throw new AssertionError("GET " + metrics + " answered Content-Type '" + type + "', not Prometheus text 0.0.4");
      }
      return parse(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("failed to scrape " + metrics + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while scraping " + metrics, e);
    }
  }

  static Exposition parse(String text) {
    Map<String, String> types = new LinkedHashMap<>();
    Map<String, String> helps = new LinkedHashMap<>();
    List<Sample> samples = new ArrayList<>();
    int number = 0;
    for (String line : text.split("\n", -1)) {
      number++;
      try {
        if (line.startsWith("# HELP ")) {
          String[] p = line.substring(7).split(" ", 2);
          helps.put(p[0], p.length > 1 ? p[1] : "");
        } else if (line.startsWith("# TYPE ")) {
          String[] p = line.substring(7).split(" ");
          types.put(p[0], p[1]);
        } else if (!line.isBlank() && !line.startsWith("#")) {
          samples.add(sample(line));
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("line " + number + " is not Prometheus text exposition: '" + line + "' (" + e.getMessage() + ")", e);
      }
    }
    Map<String, Family> families = new LinkedHashMap<>();
    for (String name : types.keySet()) {
      families.put(name, new Family(name, types.get(name), helps.get(name), new ArrayList<>()));
    }
    for (Sample s : samples) {
      String family = familyOf(s.name(), types);
      families.computeIfAbsent(family, f -> new Family(f, null, helps.get(f), new ArrayList<>())).samples().add(s);
    }
    return new Exposition(text, families);
  }

  /** A histogram's or summary's {@code _bucket}, {@code _count} and {@code _sum} samples belong to its family. */
  private static String familyOf(String sample, Map<String, String> types) {
    if (types.containsKey(sample)) {
      return sample;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum")) {
      if (sample.endsWith(suffix)) {
        String base = sample.substring(0, sample.length() - suffix.length());
        String type = types.get(base);
        if ("histogram".equals(type) || "summary".equals(type)) {
          return base;
        }
      }
    }
    return sample;
  }

  private static Sample sample(String line) {
    int brace = line.indexOf('{');
    int space = line.indexOf(' ');
    Map<String, String> labels = new LinkedHashMap<>();
    String name;
    String rest;
    if (brace >= 0 && (space < 0 || brace < space)) {
      name = line.substring(0, brace);
      int end = labels(line, brace + 1, labels);
      rest = line.substring(end + 1).trim();
    } else {
      name = line.substring(0, space);
      rest = line.substring(space + 1).trim();
    }
    String value = rest.split(" ")[0];
    return new Sample(name, labels, switch (value) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(value);
    });
  }

  /** Reads {@code a="x",b="y"} from {@code start} into {@code out}; returns the index of the closing brace. */
  private static int labels(String line, int start, Map<String, String> out) {
    int i = start;
    while (line.charAt(i) != '}') {
      int eq = line.indexOf('=', i);
      String key = line.substring(i, eq);
      if (line.charAt(eq + 1) != '"') {
        throw new IllegalArgumentException("label " + key + " has no quoted value");
      }
      StringBuilder value = new StringBuilder();
      int j = eq + 2;
      for (char c = line.charAt(j); c != '"'; c = line.charAt(++j)) {
        if (c == '\\') {
          char escaped = line.charAt(++j);
          value.append(escaped == 'n' ? '\n' : escaped);
        } else {
          value.append(c);
        }
      }
      out.put(key, value.toString());
      i = j + 1;
      if (line.charAt(i) == ',') {
        i++;
      }
    }
    return i;
  }

  /** Every sample name in the scrape ({@code x_bucket}, {@code x_count}, ... for histograms). */
  Set<String> sampleNames() {
    Set<String> names = new TreeSet<>();
    families.values().forEach(f -> f.samples().forEach(s -> names.add(s.name())));
    return names;
  }

  Optional<Family> family(String name) {
    return Optional.ofNullable(families.get(name));
  }

  /** The value of the one sample with this name and these labels (others may be present). */
  double value(String sample, Map<String, String> labels) {
    List<Sample> found = families.values().stream().flatMap(f -> f.samples().stream())
        .filter(s -> s.name().equals(sample) && s.labels().entrySet().containsAll(labels.entrySet())).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one sample " + sample + labels + ", found " + found.size() + ": " + found);
    }
    return found.get(0).value();
  }
}
