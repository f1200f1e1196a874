package dev.livepatch.e2e.chart;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.List;

/**
 * RBAC rules as one line each, so a test states a role's rules exactly and a failure shows the
 * difference line by line: {@code "livepatch.dev livepatches [] get,list,watch"} (API groups,
 * resources, resource names, verbs; the core group written as {@code core}).
 */
final class Rules {

  private Rules() {}

  static List<String> of(List<PolicyRule> rules) {
    return rules.stream().map(Rules::line).toList();
  }

  static String line(PolicyRule rule) {
    List<String> groups = rule.getApiGroups().stream().map(g -> g.isEmpty() ? "core" : g).toList();
    return String.join(",", groups) + " " + String.join(",", rule.getResources()) + " "
        + rule.getResourceNames() + " " + String.join(",", rule.getVerbs());
  }
}
