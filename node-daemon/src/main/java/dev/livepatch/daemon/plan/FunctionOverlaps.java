package dev.livepatch.daemon.plan;

import dev.livepatch.api.v1alpha1.FunctionOverlap;
import dev.livepatch.daemon.kernel.PatchedFunction;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * docs/design.md §5 rule 10: a function several enabled patches patch runs the version of the
 * topmost one, so a replaceable patch above a pinned patch of the same function overrides the
 * pinned fix while both stay loaded. Pure: from the stack, bottom first.
 */
public final class FunctionOverlaps {
    private FunctionOverlaps() {}

    /** One patch of the stack: pinned (a managed patch the spec keeps whatever replaces its set) or not, and its functions. */
    public record Layer(String patch, boolean pinned, Set<PatchedFunction> functions) {}

    /** {@code function} of pinned patch {@code pinned} would be (or is) overridden by {@code by}. */
    public record Overridden(PatchedFunction function, String pinned, String by) {}

    /** The pinned functions of {@code below} that {@code top} (its functions) overrides, but for those {@code allowed} accepts by name. */
    public static List<Overridden> overriddenBy(String top, Set<PatchedFunction> functions, List<Layer> below, Predicate<String> allowed) {
        List<Overridden> out = new ArrayList<>();
        for (Layer l : below) {
            if (!l.pinned() || l.patch().equals(top)) continue;
            for (PatchedFunction f : functions) {
                if (l.functions().contains(f) && !allowed.test(f.function())) out.add(new Overridden(f, l.patch(), top));
            }
        }
        return out;
    }

    /** The refusal's words: the function, the pinned module, the replaceable one, and what to do. */
    public static String message(String verb, List<Overridden> overridden) {
        Overridden first = overridden.get(0);
        List<String> all = overridden.stream().map(o -> o.function() + " (pinned patch " + o.pinned() + ")").toList();
        return verb + " module " + first.by() + ": it patches " + first.function() + ", which pinned patch " + first.pinned()
                + " also patches; above it, " + first.by() + "'s version would override the pinned fix while both stay loaded"
                + (all.size() > 1 ? " (all overlaps: " + String.join(", ", all) + ")" : "")
                + " (rebuild " + first.by() + " without the function, or list " + first.function().function()
                + " in its allowFunctionOverlap to accept the override)";
    }

    /** Every function more than one layer patches, with its patches bottom first; whether a pinned patch's version is overridden. */
    public static List<FunctionOverlap> of(List<Layer> stack) {
        Map<PatchedFunction, List<Layer>> byFunction = new LinkedHashMap<>();
        for (Layer l : stack) for (PatchedFunction f : l.functions()) byFunction.computeIfAbsent(f, k -> new ArrayList<>()).add(l);
        List<FunctionOverlap> out = new ArrayList<>();
        byFunction.forEach((f, layers) -> {
            if (layers.size() < 2) return;
            Layer top = layers.get(layers.size() - 1);
            boolean pinnedOverridden = !top.pinned() && layers.stream().anyMatch(Layer::pinned);
            out.add(new FunctionOverlap(f.toString(), layers.stream().map(Layer::patch).toList(), pinnedOverridden));
        });
        return out;
    }
}
