package dev.livepatch.operator.reconciler;

import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.operator.observer.Observation;
import dev.livepatch.operator.write.NodeSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A node's desired set in contract order (docs/node-contract.md): LivePatches oldest first, each
 * LivePatch's modules in its own order. Entries of a LivePatch the operator does not know go last,
 * kept as they are.
 */
final class NodeSpecs {
    private NodeSpecs() {}

    /** {@code current} with {@code livePatch}'s entries replaced by {@code replacement} (empty removes them). */
    static List<NodeModule> replace(List<NodeModule> current, String livePatch, List<NodeModule> replacement, Map<String, Integer> loadOrder) {
        List<NodeModule> others = current.stream().filter(m -> !livePatch.equals(m.getLivePatch())).toList();
        List<NodeModule> all = new ArrayList<>(Stream.concat(others.stream(), replacement.stream()).toList());
        // A stable sort keeps each LivePatch's own order.
        all.sort(Comparator.comparingInt(m -> loadOrder.getOrDefault(m.getLivePatch(), Integer.MAX_VALUE)));
        return all;
    }

    /** The node's spec with {@code livePatch}'s entries taken out (so its daemon retires them), {@code retained} as it is. */
    static NodeSpec without(String livePatch, Observation.ObservedNode node, Map<String, Integer> loadOrder) {
        return new NodeSpec(node.node(), node.current(), replace(modules(node), livePatch, List.of(), loadOrder), retained(node));
    }

    /** The node's spec with {@code livePatch}'s entries replaced by {@code desired}, {@code retained} as it is. */
    static NodeSpec with(String livePatch, Observation.ObservedNode node, Map<String, Integer> loadOrder) {
        return new NodeSpec(node.node(), node.current(), replace(modules(node), livePatch, node.desired(), loadOrder), retained(node));
    }

    /** The node released into {@code retained} (removalPolicy Retain): its daemon leaves the patches loaded and stops managing them. */
    static NodeSpec retaining(String livePatch, Observation.ObservedNode node, Map<String, Integer> loadOrder) {
        NodeSpec without = without(livePatch, node, loadOrder);
        return new NodeSpec(node.node(), node.current(), without.modules(), retain(retained(node), node.entriesOf(livePatch), without.modules()));
    }

    private static List<NodeModule> modules(Observation.ObservedNode node) {
        return node.current() == null || node.current().getSpec() == null ? List.of() : node.current().getSpec().getModules();
    }

    private static List<String> retained(Observation.ObservedNode node) {
        return node.current() == null || node.current().getSpec() == null ? List.of() : node.current().getSpec().getRetained();
    }

    /** Retained names plus {@code released}, minus any name still desired (modules win). */
    static List<String> retain(List<String> retained, List<NodeModule> released, List<NodeModule> remaining) {
        Set<String> out = new LinkedHashSet<>(retained);
        released.forEach(m -> out.add(m.getName()));
        remaining.forEach(m -> out.remove(m.getName()));
        return List.copyOf(out);
    }
}
