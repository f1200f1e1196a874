package dev.livepatch.e2e.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chart's Grafana dashboard ({@code charts/livepatch-operator/dashboards/livepatch-operator.json})
 * and the PromQL it holds: the panels' target expressions and the templating variables' queries.
 */
public record GrafanaDashboard(JsonNode json) {
  public static final String PATH = "charts/livepatch-operator/dashboards/livepatch-operator.json";
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*\\]");
  private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
      "group_left", "group_right", "Inf", "NaN");

  public static GrafanaDashboard load() {
    return parse(read(root().resolve(PATH)));
  }

  public static GrafanaDashboard parse(String text) {
    try {
      return new GrafanaDashboard(new ObjectMapper().readTree(text));
    } catch (IOException e) {
      throw new IllegalArgumentException("the dashboard is not JSON: " + e.getMessage(), e);
    }
  }

  /** Every PromQL expression: panel targets (rows' nested panels too) and query variables. */
  public List<String> expressions() {
    List<String> out = new ArrayList<>();
    for (JsonNode panel : json.path("panels")) {
      collect(panel, out);
    }
    for (JsonNode variable : json.path("templating").path("list")) {
      if ("query".equals(variable.path("type").asText())) {
        JsonNode q = variable.path("query");
        out.add(q.isObject() ? q.path("query").asText() : q.asText());
      }
    }
    return out;
  }

  private static void collect(JsonNode panel, List<String> out) {
    panel.path("targets").forEach(t -> out.add(t.path("expr").asText()));
    panel.path("panels").forEach(p -> collect(p, out));
  }

  /** The metric names the expressions select: identifiers that are neither functions, keywords, labels nor variables. */
  public Set<String> queriedMetrics() {
    Set<String> names = new TreeSet<>();
    for (String expr : expressions()) {
      names.addAll(metricsIn(expr));
    }
    return names;
  }

  public static Set<String> metricsIn(String expr) {
    String bare = STRING.matcher(expr).replaceAll("\"\"");
    bare = RANGE.matcher(bare).replaceAll("");
    bare = GROUPING.matcher(bare).replaceAll("");
    bare = bare.replaceAll("\\{[^}]*\\}", "{}");
    // label_values(metric, label): the second argument is a label
    bare = bare.replaceAll("label_values\\s*\\(([^,)]*),[^)]*\\)", "label_values($1)");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(bare);
    while (m.find()) {
      if (m.group(2) == null && !KEYWORDS.contains(m.group(1))) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  private static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(PATH))) {
        return dir;
      }
    }
    throw new IllegalStateException("failed to find " + PATH + " at or above " + Path.of("").toAbsolutePath());
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read " + file + ": " + e.getMessage(), e);
    }
  }
}
