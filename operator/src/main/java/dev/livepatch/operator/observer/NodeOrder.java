package dev.livepatch.operator.observer;

import io.fabric8.kubernetes.api.model.Node;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The fleet's nodes by name. The informer lists its nodes in the same order from one reconcile to
 * the next while their names stay the same (an update replaces an object in place), so the last
 * order is kept and reused after checking, name by name, that the list is the one sorted then:
 * one pass instead of a sort of every node per reconcile.
 */
final class NodeOrder {
    private record Sorted(String[] names, int[] byName) {}

    private static final AtomicReference<Sorted> LAST = new AtomicReference<>();

    private NodeOrder() {}

    static List<Node> byName(List<Node> nodes) {
        int n = nodes.size();
        Sorted last = LAST.get();
        if (last == null || !sameNames(last.names(), nodes)) {
            last = sort(nodes);
            LAST.set(last);
        }
        Node[] out = new Node[n];
        for (int i = 0; i < n; i++) {
            out[i] = nodes.get(last.byName()[i]);
        }
        return Collections.unmodifiableList(Arrays.asList(out));
    }

    private static boolean sameNames(String[] names, List<Node> nodes) {
        if (names.length != nodes.size()) {
            return false;
        }
        for (int i = 0; i < names.length; i++) {
            if (!names[i].equals(nodes.get(i).getMetadata().getName())) {
                return false;
            }
        }
        return true;
    }

    private static Sorted sort(List<Node> nodes) {
        int n = nodes.size();
        String[] names = new String[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            names[i] = nodes.get(i).getMetadata().getName();
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparing((Integer i) -> names[i]));
        return new Sorted(names, Arrays.stream(order).mapToInt(Integer::intValue).toArray());
    }
}
