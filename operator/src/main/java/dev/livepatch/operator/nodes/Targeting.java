package dev.livepatch.operator.nodes;

import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.PatchModule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which nodes a LivePatch selects and which of its modules apply to a node (docs/design.md §6.1): Linux
 * nodes matching {@code nodeSelector} (matchLabels and set-based matchExpressions, evaluated here
 * because the mock server and informer caches cannot), modules whose kernelRelease equals the
 * node's {@code status.nodeInfo.kernelVersion}.
 */
public final class Targeting {
    public static final String OS_LABEL = "kubernetes.io/os";

    private Targeting() {}

    /** Linux by the well-known label, or by what the kubelet reports when the label is missing. */
    public static boolean isLinux(Node node) {
        Map<String, String> labels = labels(node);
        if (labels.containsKey(OS_LABEL)) {
            return "linux".equals(labels.get(OS_LABEL));
        }
        return node.getStatus() != null && node.getStatus().getNodeInfo() != null
                && "linux".equalsIgnoreCase(node.getStatus().getNodeInfo().getOperatingSystem());
    }

    public static boolean selects(LivePatchSpec spec, Node node) {
        return isLinux(node) && matches(spec.getNodeSelector(), labels(node));
    }

    /** Kubernetes label selector semantics: every matchLabels pair and every requirement must hold; empty selects all. */
    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        if (selector.getMatchLabels() != null
                && !selector.getMatchLabels().entrySet().stream().allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()))) {
            return false;
        }
        List<LabelSelectorRequirement> exprs = selector.getMatchExpressions() == null ? List.of() : selector.getMatchExpressions();
        return exprs.stream().allMatch(r -> holds(r, labels));
    }

    private static boolean holds(LabelSelectorRequirement r, Map<String, String> labels) {
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        boolean has = labels.containsKey(r.getKey());
        return switch (r.getOperator()) {
            case "In" -> has && values.contains(labels.get(r.getKey()));
            case "NotIn" -> !has || !values.contains(labels.get(r.getKey()));
            case "Exists" -> has;
            case "DoesNotExist" -> !has;
            default -> false; // the validator rejects other operators; select nothing rather than everything
        };
    }

    public static String kernelRelease(Node node) {
        return node.getStatus() == null || node.getStatus().getNodeInfo() == null ? null : node.getStatus().getNodeInfo().getKernelVersion();
    }

    /** The LivePatch's modules for this node's kernel, in the LivePatch's order; empty means not applicable. */
    public static List<PatchModule> modulesFor(LivePatchSpec spec, Node node) {
        String release = kernelRelease(node);
        return release == null ? List.of() : spec.getModules().stream().filter(m -> release.equals(m.getKernelRelease())).toList();
    }

    /** A node whose Ready condition is False or Unknown cannot act on a spec; a node reporting no condition is given the benefit. */
    public static boolean isReady(Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return true;
        }
        return node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).map(NodeCondition::getStatus)
                .allMatch("True"::equals);
    }

    private static Map<String, String> labels(Node node) {
        return node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    }
}
