package dev.livepatch.operator.observer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The kept order is the sort by name whatever the list: the same list again (with updated objects),
 * the same names in another order, a node gone, a node added, a node renamed in place.
 */
class NodeOrderPropertiesTest {

    @Property(tries = 300)
    void keptOrderIsTheSortByName(@ForAll long seed, @ForAll @IntRange(min = 0, max = 30) int count) {
        Random random = new Random(seed);
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            nodes.add(Fixtures.node("node-" + random.nextInt(1000) + "-" + i));
        }
        Collections.shuffle(nodes, random);
        for (int step = 0; step < 20; step++) {
            List<Node> sorted = new ArrayList<>(nodes);
            sorted.sort(Comparator.comparing(n -> n.getMetadata().getName()));
            assertThat(NodeOrder.byName(nodes)).containsExactlyElementsOf(sorted);
            nodes = changed(nodes, random);
        }
    }

    private static List<Node> changed(List<Node> nodes, Random random) {
        List<Node> next = new ArrayList<>(nodes);
        int at = next.isEmpty() ? 0 : random.nextInt(next.size());
        switch (random.nextInt(5)) {
            case 0 -> Collections.shuffle(next, random);
            case 1 -> {
                if (!next.isEmpty()) {
                    next.remove(at);
                }
            }
            case 2 -> next.add(at, Fixtures.node("node-new-" + random.nextInt(1000) + "-" + next.size()));
            case 3 -> {
                if (!next.isEmpty()) {
                    next.set(at, Fixtures.node("renamed-" + random.nextInt(1000) + "-" + at));
                }
            }
            default -> {
                if (!next.isEmpty()) {
                    next.set(at, Fixtures.node(next.get(at).getMetadata().getName())); // an update: a new object, the same name
                }
            }
        }
        return next;
    }
}
