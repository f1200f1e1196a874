package dev.livepatch.api.validation;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The rules of {@code spec.nodeSelector}: label keys, values and operators as the API server reads them. */
final class SelectorRules {
    private static final Pattern LABEL_KEY = Pattern.compile("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");
    private static final Pattern LABEL_VALUE = Pattern.compile("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$");
    private static final Set<String> SET_OPERATORS = Set.of("In", "NotIn");
    private static final Set<String> EXISTENCE_OPERATORS = Set.of("Exists", "DoesNotExist");

    private SelectorRules() {}

    static void validate(LabelSelector selector, List<Violation> out) {
        if (selector == null) {
            return;
        }
        if (selector.getMatchLabels() != null) {
            selector.getMatchLabels().forEach((k, v) -> {
                String at = "spec.nodeSelector.matchLabels[" + k + "]";
                if (k == null || !LABEL_KEY.matcher(k).matches()) {
                    out.add(new Violation(at, "'" + k + "' is not a label key"));
                }
                if (v == null || v.length() > 63 || !LABEL_VALUE.matcher(v).matches()) {
                    out.add(new Violation(at, "'" + v + "' is not a label value (at most 63 of letters, digits, '-', '_', '.')"));
                }
            });
        }
        List<LabelSelectorRequirement> exprs = selector.getMatchExpressions();
        for (int i = 0; exprs != null && i < exprs.size(); i++) {
            validateRequirement(exprs.get(i), "spec.nodeSelector.matchExpressions[" + i + "]", out);
        }
    }

    private static void validateRequirement(LabelSelectorRequirement req, String at, List<Violation> out) {
        if (req.getKey() == null || !LABEL_KEY.matcher(req.getKey()).matches()) {
            out.add(new Violation(at + ".key", "'" + req.getKey() + "' is not a label key"));
        }
        String op = req.getOperator();
        List<String> values = req.getValues() == null ? List.of() : req.getValues();
        if (SET_OPERATORS.contains(op)) {
            if (values.isEmpty()) {
                out.add(new Violation(at + ".values", "operator " + op + " needs at least one value"));
            }
        } else if (EXISTENCE_OPERATORS.contains(op)) {
            if (!values.isEmpty()) {
                out.add(new Violation(at + ".values", "operator " + op + " takes no values"));
            }
        } else {
            out.add(new Violation(at + ".operator", "'" + op + "' is not an operator: use In, NotIn, Exists or DoesNotExist"));
        }
        for (String v : values) {
            if (v == null || v.length() > 63 || !LABEL_VALUE.matcher(v).matches()) {
                out.add(new Violation(at + ".values", "'" + v + "' is not a label value"));
            }
        }
    }
}
