package dev.livepatch.operator.observer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.fixture.DaemonReport;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.operator.reconciler.RolloutPlan;
import dev.livepatch.operator.reconciler.RolloutPlanner;
import dev.livepatch.operator.rollout.PacingPolicy;
import dev.livepatch.operator.rollout.Planner;
import dev.livepatch.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Reusing the readings of unchanged nodes decides nothing differently: over random fleets and
 * random sequences of changes (labels, kernels, readiness, admissions, daemon reports, releases,
 * Nodes and NodeLivePatches deleted and recreated under their old name and resourceVersion, the
 * informer's relist (new instances, same versions), a write told to the observer before its watch event,
 * objects never stored, LivePatch spec edits with and without a new generation, status-only writes,
 * an older LivePatch that clashes or not, appears, goes or is being deleted), the observer that
 * reuses readings and the one that reads every node every time give equal Observations and equal
 * plans after every change.
 */
class NodeReadingsPropertiesTest {
    private static final Instant START = Instant.parse("2026-05-01T12:00:00Z");

    @Property(tries = 300)
    void reusedReadingsDecideAsAFreshRead(@ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int nodeCount) {
        Random random = new Random(seed);
        World world = new World(nodeCount, random);
        Observer memoised = new Observer();
        Observer plain = new Observer(false);
        RolloutPlanner planner = new RolloutPlanner(new Planner(PacingPolicy.defaults()), Duration.ofMinutes(5));
        for (int step = 0; step < 60; step++) {
            world.change();
            Instant now = START.plusSeconds(step * 7L);
            Fleet fleet = world.fleet();
            if (world.writtenAhead != null) {
                memoised.wrote(world.writtenAhead, now.minusSeconds(3));
                plain.wrote(world.writtenAhead, now.minusSeconds(3));
                world.writtenAhead = null;
            }
            Observation fast = memoised.forRollout(world.fix, fleet, now);
            Observation full = plain.forRollout(world.fix, fleet, now);
            assertThat(fast).as("step %d: %s", step, world.last).isEqualTo(full);
            for (Node node : fleet.nodes()) {
                Observation.ObservedNode listed = fast.nodes().get(node.getMetadata().getName());
                assertThat(listed.node()).as("step %d: %s: the Node read now", step, world.last).isSameAs(node);
                assertThat(listed.current()).as("step %d: %s: the NodeLivePatch read now", step, world.last).isSameAs(fleet.nodeLivePatch(node));
            }
            RolloutPlan a = planner.rollout(fast, now);
            RolloutPlan b = planner.rollout(full, now);
            assertThat(a.admission()).isEqualTo(b.admission());
            assertThat(a.admissions()).isEqualTo(b.admissions());
            assertThat(a.releases()).isEqualTo(b.releases());
        }
    }

    /** The objects as an API server stores them: every stored change a new resourceVersion, a recreated object a new uid. */
    private static final class World {
        final Random random;
        final Map<String, Node> nodes = new LinkedHashMap<>();
        final Map<String, NodeLivePatch> nlps = new LinkedHashMap<>();
        final Map<String, NodeLivePatch> beforeInFlight = new LinkedHashMap<>();
        /** A NodeLivePatch this operator stored whose watch event has not arrived: the observers are told, the fleet still shows the older one. */
        NodeLivePatch writtenAhead;
        LivePatch fix = livePatch("fix", "2026-02-01T00:00:00Z");
        LivePatch old;
        long versions = 100;
        long uids;
        String last = "start";

        World(int count, Random random) {
            this.random = random;
            for (int i = 0; i < count; i++) {
                String name = "n" + i;
                nodes.put(name, stored(node(name)));
                nlps.put(name, stored(nlp(name, List.of())));
            }
        }

        Fleet fleet() {
            List<LivePatch> lps = old == null ? List.of(fix) : List.of(old, fix);
            return Fleet.of(List.copyOf(nodes.values()), n -> Optional.ofNullable(nlps.get(n)), nlps.values().stream(), lps.stream());
        }

        void change() {
            List<String> names = List.copyOf(nodes.keySet());
            String name = names.get(random.nextInt(names.size()));
            int what = random.nextInt(16);
            last = "change " + what + " on " + name;
            switch (what) {
                case 0 -> nodes.put(name, stored(edit(nodes.get(name), n -> n.getMetadata().getLabels().put("pool", random.nextBoolean() ? "a" : "b"))));
                case 1 -> nodes.put(name, stored(edit(nodes.get(name),
                        n -> n.getStatus().getNodeInfo().setKernelVersion(random.nextInt(4) == 0 ? Fixtures.OTHER_KERNEL : Fixtures.KERNEL))));
                case 2 -> nodes.put(name, stored(edit(nodes.get(name),
                        n -> n.getStatus().getConditions().get(0).setStatus(random.nextBoolean() ? "True" : "Unknown"))));
                case 3 -> nlps.put(name, specWrite(name, entries(random.nextBoolean() ? fix : old, nodes.get(name), nlps.get(name))));
                case 4 -> nlps.computeIfPresent(name, (n, nlp) -> stored(edit(nlp, c -> c.setStatus(DaemonReport.on(c)
                        .everyModule(random.nextInt(4) == 0 ? ModuleState.Failed : ModuleState.Enabled).at(START).status()))));
                case 5 -> nlps.put(name, specWrite(name, List.of()));
                case 6 -> nodes.put(name, recreated(node(name), nodes.get(name)));
                case 7 -> nlps.put(name, recreated(nlp(name, entries(fix, nodes.get(name), null)), nlps.get(name)));
                case 8 -> fix = editSpec(fix, random.nextInt(3) > 0);
                case 9 -> fix = stored(edit(fix, lp -> lp.getMetadata().setAnnotations(Map.of("status", "v" + versions))));
                case 10 -> old = old == null ? olderLivePatch() : random.nextBoolean() ? null
                        : stored(edit(old, lp -> lp.getMetadata().setDeletionTimestamp("2026-05-01T11:00:00Z")));
                case 11 -> nodes.put(name, edit(nodes.get(name), n -> n.getMetadata().setResourceVersion(null)));
                case 12 -> inFlightOrLost(name);
                case 13 -> relist();
                case 14 -> writtenAhead = nlps.containsKey(name) ? stored(edit(nlps.get(name), c -> { })) : null;
                default -> nlps.remove(name);
            }
        }

        /** The informer lists again: every object a new instance, equal to the one before, under the same resourceVersion. */
        void relist() {
            nodes.replaceAll((n, node) -> edit(node, c -> { }));
            nlps.replaceAll((n, nlp) -> edit(nlp, c -> { }));
        }

        /**
         * A spec write in flight, as the operator reads the node meanwhile (its stored resourceVersion,
         * the next generation, the new spec: NodeSpecBatches.asWritten); the next time, the write lost
         * a race and the stored object is read again, under the same resourceVersion.
         */
        void inFlightOrLost(String name) {
            NodeLivePatch stored = beforeInFlight.remove(name);
            if (stored != null) {
                nlps.put(name, stored);
                return;
            }
            NodeLivePatch current = nlps.get(name);
            if (current == null) {
                return;
            }
            beforeInFlight.put(name, current);
            nlps.put(name, edit(current, c -> {
                c.setSpec(new NodeLivePatchSpec(new ArrayList<>(entries(fix, nodes.get(name), current))));
                c.getMetadata().setGeneration(c.getMetadata().getGeneration() + 1);
            }));
        }

        /** The entries {@code lp} wants on the node beside the other LivePatch's, as an admission writes them. */
        List<NodeModule> entries(LivePatch lp, Node node, NodeLivePatch current) {
            List<NodeModule> entries = new ArrayList<>();
            if (current != null && current.getSpec() != null && lp != null) {
                current.getSpec().getModules().stream().filter(m -> !m.getLivePatch().equals(lp.getMetadata().getName())).forEach(entries::add);
            }
            if (lp != null) {
                entries.addAll(NodeReader.desiredEntries(lp, node));
            }
            return entries;
        }

        /** The spec written; a node without a NodeLivePatch gets one (the provisioner's). */
        NodeLivePatch specWrite(String name, List<NodeModule> entries) {
            NodeLivePatch current = nlps.get(name);
            if (current == null) {
                return stored(nlp(name, entries));
            }
            return stored(edit(current, c -> {
                c.setSpec(new NodeLivePatchSpec(new ArrayList<>(entries)));
                c.getMetadata().setGeneration(c.getMetadata().getGeneration() + 1);
            }));
        }

        LivePatch editSpec(LivePatch lp, boolean newGeneration) {
            return stored(edit(lp, l -> {
                if (random.nextBoolean()) {
                    l.getSpec().getModules().get(0).getSource().setSha256(Fixtures.sha("abc".charAt(random.nextInt(3))));
                } else {
                    l.getSpec().setNodeSelector(random.nextBoolean() ? null : new LabelSelectorBuilder().withMatchLabels(Map.of("pool", "a")).build());
                }
                if (newGeneration) {
                    l.getMetadata().setGeneration(l.getMetadata().getGeneration() + 1);
                }
            }));
        }

        LivePatch olderLivePatch() {
            LivePatch lp = livePatch("old", "2026-01-01T00:00:00Z");
            if (random.nextBoolean()) {
                lp.getSpec().getModules().get(0).setName("lp_fix_fix"); // the same module name as fix: a conflict
            }
            return stored(lp);
        }

        /** Deleted and created again under its name: a new uid, and (as a stress) the resourceVersion the old one had. */
        <T extends io.fabric8.kubernetes.api.model.HasMetadata> T recreated(T fresh, T before) {
            fresh.getMetadata().setUid("uid-" + ++uids);
            fresh.getMetadata().setResourceVersion(before == null ? String.valueOf(++versions) : before.getMetadata().getResourceVersion());
            return fresh;
        }

        <T extends io.fabric8.kubernetes.api.model.HasMetadata> T stored(T o) {
            if (o.getMetadata().getUid() == null) {
                o.getMetadata().setUid("uid-" + ++uids);
            }
            o.getMetadata().setResourceVersion(String.valueOf(++versions));
            return o;
        }

        Node node(String name) {
            return Fixtures.node(name, random.nextInt(4) == 0 ? Fixtures.OTHER_KERNEL : Fixtures.KERNEL,
                    random.nextBoolean() ? Map.of("pool", "a") : Map.of());
        }

        NodeLivePatch nlp(String name, List<NodeModule> entries) {
            NodeLivePatch nlp = new NodeLivePatch();
            nlp.setMetadata(new ObjectMetaBuilder().withName(name).withGeneration(1L).build());
            nlp.setSpec(new NodeLivePatchSpec(new ArrayList<>(entries)));
            return nlp;
        }

        static LivePatch livePatch(String name, String created) {
            LivePatch lp = Fixtures.livePatch(name, s -> {});
            lp.getMetadata().setCreationTimestamp(created);
            lp.getMetadata().setGeneration(1L);
            return lp;
        }

        /** A copy of {@code o} changed by {@code change}: the informer hands out a new object for each stored change. */
        static <T> T edit(T o, java.util.function.Consumer<T> change) {
            T copy = Serialization.clone(o);
            change.accept(copy);
            return copy;
        }
    }
}
