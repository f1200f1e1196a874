package dev.livepatch.operator.observer;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.validation.LivePatchValidator;
import dev.livepatch.operator.conflict.ClaimResolver;
import dev.livepatch.operator.conflict.ModuleClaim;
import dev.livepatch.operator.nodes.Targeting;
import io.fabric8.kubernetes.api.model.Node;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The fleet as the informer caches show it at the start of one reconcile: nodes, their
 * NodeLivePatches and every LivePatch, oldest first (the order that settles conflicts and the
 * load order of a node's desired set).
 *
 * <p>One reconcile reads every node, some twice, so what does not change within it is computed
 * once: whether each LivePatch claims nodes (validating a spec per node made a 5,000-node
 * reconcile validate 5,000 times) and each node's claims.
 */
public final class Fleet {

    public static final Comparator<LivePatch> OLDEST_FIRST = Comparator
            .comparing((LivePatch lp) -> String.valueOf(lp.getMetadata().getCreationTimestamp()))
            .thenComparing(lp -> lp.getMetadata().getName());

    private final List<Node> nodes;
    private final Map<String, NodeLivePatch> nodeLivePatches;
    private final List<LivePatch> livePatchesOldestFirst;
    private final Set<String> claiming;
    private final Map<String, Map<String, ClaimResolver.Outcome>> claims = new HashMap<>();

    public Fleet(List<Node> nodes, Map<String, NodeLivePatch> nodeLivePatches, List<LivePatch> livePatchesOldestFirst) {
        this.nodes = nodes;
        this.nodeLivePatches = nodeLivePatches;
        this.livePatchesOldestFirst = livePatchesOldestFirst;
        this.claiming = livePatchesOldestFirst.stream().filter(Fleet::wantsNodes).map(lp -> lp.getMetadata().getName()).collect(Collectors.toSet());
    }

    public static Fleet of(Stream<Node> nodes, Stream<NodeLivePatch> nlps, Stream<LivePatch> livePatches) {
        return new Fleet(nodes.sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList(),
                nlps.collect(Collectors.toMap(n -> n.getMetadata().getName(), n -> n, (a, b) -> a)),
                livePatches.sorted(OLDEST_FIRST).toList());
    }

    /**
     * The fleet with each node's NodeLivePatch looked up by the node's name in {@code freshest}
     * (what this operator just wrote, else the informer's copy), and the informer's list for those
     * without a node. Listing the informer alone misses an object created a moment ago whose watch
     * event has not arrived: the next reconcile would see its node pending and admit it again.
     */
    public static Fleet of(List<Node> nodes, Function<String, Optional<NodeLivePatch>> freshest, Stream<NodeLivePatch> informer,
                           Stream<LivePatch> livePatches) {
        Map<String, NodeLivePatch> byName = new HashMap<>(nodes.size() * 4 / 3 + 16);
        for (Node node : nodes) {
            freshest.apply(node.getMetadata().getName()).ifPresent(nlp -> byName.putIfAbsent(nlp.getMetadata().getName(), nlp));
        }
        informer.forEach(nlp -> byName.putIfAbsent(nlp.getMetadata().getName(), nlp));
        return new Fleet(NodeOrder.byName(nodes), byName, livePatches.sorted(OLDEST_FIRST).toList());
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Map<String, NodeLivePatch> nodeLivePatches() {
        return nodeLivePatches;
    }

    public List<LivePatch> livePatchesOldestFirst() {
        return livePatchesOldestFirst;
    }

    public NodeLivePatch nodeLivePatch(Node node) {
        return nodeLivePatches.get(node.getMetadata().getName());
    }

    /** Rank of each LivePatch by age, for ordering a node's desired set. */
    public Map<String, Integer> loadOrder() {
        Map<String, Integer> rank = new HashMap<>();
        for (int i = 0; i < livePatchesOldestFirst.size(); i++) {
            rank.put(livePatchesOldestFirst.get(i).getMetadata().getName(), i);
        }
        return rank;
    }

    /** Who keeps this node, per LivePatch claiming it (ClaimResolver); computed once per node. */
    public Map<String, ClaimResolver.Outcome> claimsOn(Node node) {
        return claims.computeIfAbsent(node.getMetadata().getName(), n -> {
            Map<String, ModuleClaim> present = presentClaims(nodeLivePatch(node));
            List<ModuleClaim> all = livePatchesOldestFirst.stream().map(lp -> claimOf(lp, node, present)).toList();
            return ClaimResolver.resolve(all, present);
        });
    }

    private ModuleClaim claimOf(LivePatch lp, Node node, Map<String, ModuleClaim> present) {
        String name = lp.getMetadata().getName();
        Map<String, ModuleClaim.Entry> entries = new LinkedHashMap<>();
        if (claiming.contains(name) && Targeting.selects(lp.getSpec(), node)) {
            Targeting.modulesFor(lp.getSpec(), node).forEach(m -> entries.put(m.getName(), ModuleClaim.Entry.of(m)));
        }
        if (present.containsKey(name)) {
            present.get(name).modules().forEach(e -> entries.putIfAbsent(e.name(), e));
        }
        return new ModuleClaim(name, List.copyOf(entries.values()));
    }

    /** A LivePatch claims new nodes while it is valid and not being deleted. */
    static boolean wantsNodes(LivePatch lp) {
        return lp.getMetadata().getDeletionTimestamp() == null && LivePatchValidator.validate(lp.getSpec()).isEmpty();
    }

    private static Map<String, ModuleClaim> presentClaims(NodeLivePatch nlp) {
        if (nlp == null || nlp.getSpec() == null) {
            return Map.of();
        }
        return nlp.getSpec().getModules().stream().collect(Collectors.groupingBy(NodeModule::getLivePatch, LinkedHashMap::new,
                        Collectors.mapping(ModuleClaim.Entry::of, Collectors.toList())))
                .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> new ModuleClaim(e.getKey(), e.getValue()),
                        (a, b) -> a, LinkedHashMap::new));
    }
}
