package dev.livepatch.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The API server's audit log as the one honest count of what a client asked: a policy that logs
 * every request at Metadata level (no bodies), and a reader that counts one user's requests by
 * verb and by resource, within a time window. A request appears once per stage; it is counted
 * once, by its audit id. The user is the impersonated one when the client impersonates.
 */
final class AuditLog {
  static final String POLICY = """
      apiVersion: audit.k8s.io/v1
      kind: Policy
      omitStages: ["RequestReceived"]
      rules:
        - level: Metadata
      """;
  private static final Set<String> WRITES = Set.of("create", "update", "patch", "delete", "deletecollection");

  private final Path file;

  AuditLog(Path file) {
    this.file = file;
  }

  /** kube-apiserver flags logging to {@code file} with {@link #POLICY} written beside it. */
  static List<String> apiServerFlags(Path file) {
    try {
      Path policy = file.resolveSibling("audit-policy.yaml");
      Files.writeString(policy, POLICY, StandardCharsets.UTF_8);
      return List.of("--audit-log-path=" + file, "--audit-policy-file=" + policy, "--audit-log-maxsize=0");
    } catch (IOException e) {
      throw new UncheckedIOException("failed to write the audit policy beside " + file, e);
    }
  }

  /** Requests of {@code user} received in [from, to): by verb, and writes by verb and resource. */
  Counts count(String user, Instant from, Instant to) {
    ObjectMapper json = new ObjectMapper();
    Map<String, Long> byVerb = new TreeMap<>();
    Map<String, Long> writes = new TreeMap<>();
    Set<String> seen = new HashSet<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (!line.contains(user)) {
          continue;
        }
        JsonNode e = json.readTree(line);
        String who = e.path("impersonatedUser").path("username").asText(e.path("user").path("username").asText());
        if (!user.equals(who) || !seen.add(e.path("auditID").asText())) {
          continue;
        }
        Instant at = Instant.parse(e.path("requestReceivedTimestamp").asText());
        if (at.isBefore(from) || !at.isBefore(to)) {
          continue;
        }
        String verb = e.path("verb").asText();
        byVerb.merge(verb, 1L, Long::sum);
        if (WRITES.contains(verb)) {
          JsonNode ref = e.path("objectRef");
          String resource = ref.path("resource").asText() + (ref.hasNonNull("subresource") ? "/" + ref.path("subresource").asText() : "");
          writes.merge(verb + " " + resource, 1L, Long::sum);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read the audit log " + file, e);
    }
    return new Counts(byVerb, writes);
  }

  /**
   * What the API server served to every client in [from, to): requests and writes per second, and the
   * latency of the requests that completed (received to response complete; watches left out).
   */
  ServerLoad serverLoad(Instant from, Instant to) {
    ObjectMapper json = new ObjectMapper();
    List<Long> micros = new ArrayList<>();
    List<Long> writeMicros = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (!line.contains("\"ResponseComplete\"")) {
          continue;
        }
        JsonNode e = json.readTree(line);
        String verb = e.path("verb").asText();
        Instant received = Instant.parse(e.path("requestReceivedTimestamp").asText());
        if (verb.equals("watch") || received.isBefore(from) || !received.isBefore(to)) {
          continue;
        }
        long took = Duration.between(received, Instant.parse(e.path("stageTimestamp").asText())).toNanos() / 1000;
        micros.add(took);
        if (WRITES.contains(verb)) {
          writeMicros.add(took);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read the audit log " + file, e);
    }
    double seconds = Duration.between(from, to).toMillis() / 1000.0;
    return new ServerLoad(micros.size() / seconds, writeMicros.size() / seconds, meanMillis(micros), p99Millis(micros),
        meanMillis(writeMicros), p99Millis(writeMicros));
  }

  private static double meanMillis(List<Long> micros) {
    return micros.stream().mapToLong(Long::longValue).average().orElse(Double.NaN) / 1000;
  }

  private static double p99Millis(List<Long> micros) {
    if (micros.isEmpty()) {
      return Double.NaN;
    }
    List<Long> sorted = micros.stream().sorted().toList();
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)) / 1000.0;
  }

  record ServerLoad(double requestsPerSecond, double writesPerSecond, double meanMillis, double p99Millis, double writeMeanMillis,
                    double writeP99Millis) {}

  record Counts(Map<String, Long> byVerb, Map<String, Long> writesByResource) {
    long total() {
      return byVerb.values().stream().mapToLong(Long::longValue).sum();
    }

    long writes() {
      return writesByResource.values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
