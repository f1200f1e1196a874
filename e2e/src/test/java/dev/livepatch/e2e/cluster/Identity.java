package dev.livepatch.e2e.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Who a client impersonates: the user name, groups and extra attributes the API server then
 * authorizes and admits the request as (the {@code Impersonate-*} headers). The control plane's
 * admin identity is in {@code system:masters}, so it may impersonate anyone.
 *
 * <pre>{@code
 * Identity.user("alice", "developers")
 * Identity.serviceAccount("livepatch-system", "livepatch-node-daemon").boundToNode("node-7")
 * }</pre>
 *
 * @param username the user name, e.g. {@code system:serviceaccount:ns:name}
 * @param groups the groups; the API server adds {@code system:authenticated}
 * @param extra extra attributes as a token's claims would give them, e.g.
 *     {@code authentication.kubernetes.io/node-name}
 */
public record Identity(String username, List<String> groups, Map<String, List<String>> extra) {

  /** The extra attribute a service account token bound to a pod carries: the pod's node. */
  public static final String NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";

  public Identity {
    Objects.requireNonNull(username, "username");
    groups = List.copyOf(groups);
    Map<String, List<String>> copy = new LinkedHashMap<>();
    extra.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    extra = Collections.unmodifiableMap(copy);
  }

  /** A plain user in the given groups. */
  public static Identity user(String username, String... groups) {
    return new Identity(username, List.of(groups), Map.of());
  }

  /** A service account, with the groups its tokens carry. */
  public static Identity serviceAccount(String namespace, String name) {
    return new Identity("system:serviceaccount:" + namespace + ":" + name,
        List.of("system:serviceaccounts", "system:serviceaccounts:" + namespace), Map.of());
  }

  /** This identity with one more extra attribute (replacing that key's values). */
  public Identity withExtra(String key, String... values) {
    Map<String, List<String>> more = new LinkedHashMap<>(extra);
    more.put(key, List.of(values));
    return new Identity(username, groups, more);
  }

  /**
   * This identity as a token bound to a pod on {@code nodeName} shows it: with the extra
   * {@value #NODE_NAME_EXTRA}, which admission policies ({@code request.userInfo.extra}) key on.
   */
  public Identity boundToNode(String nodeName) {
    return withExtra(NODE_NAME_EXTRA, nodeName);
  }

  /** This identity with more groups. */
  public Identity withGroups(String... more) {
    List<String> all = new ArrayList<>(groups);
    all.addAll(List.of(more));
    return new Identity(username, all, extra);
  }

  /**
   * The extra attributes with keys as an {@code Impersonate-Extra-<key>} header name must spell
   * them: characters outside an HTTP token (such as {@code /}) percent-encoded, which the API server
   * decodes. Fabric8 7.5 sends the keys as given, and the JDK HTTP client rejects a {@code /} in a
   * header name.
   */
  Map<String, List<String>> headerSafeExtra() {
    Map<String, List<String>> encoded = new LinkedHashMap<>();
    extra.forEach((k, v) -> encoded.put(percentEncodeHeaderToken(k), v));
    return encoded;
  }

  static String percentEncodeHeaderToken(String key) {
    StringBuilder out = new StringBuilder();
    for (byte b : key.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      boolean token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$&'*+-.^_`|~".indexOf(c) >= 0;
      if (token) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }
}
