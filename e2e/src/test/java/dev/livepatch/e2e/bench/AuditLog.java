package dev.livepatch.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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

  record Counts(Map<String, Long> byVerb, Map<String, Long> writesByResource) {
    long total() {
      return byVerb.values().stream().mapToLong(Long::longValue).sum();
    }

    long writes() {
      return writesByResource.values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
