package dev.livepatch.operator.conflict;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides who keeps a node when LivePatches clash on it (docs/design.md §6.5, §5 rule 3): claims are taken
 * oldest LivePatch first, and a claim that clashes with one already accepted loses the node with
 * reason Conflict. An accepted LivePatch whose node still carries a losing LivePatch's clashing
 * entries waits until they are gone, so the daemon never sees one name twice.
 */
public final class ClaimResolver {
    private ClaimResolver() {}

    public sealed interface Outcome {
        /** The LivePatch may use the node. */
        record Holds() implements Outcome {}

        /** An older LivePatch keeps the node; message names it and the clash. */
        record Conflict(String message) implements Outcome {}

        /** The LivePatch keeps the node but must wait for a younger one's clashing entries to leave. */
        record Blocked(String message) implements Outcome {}
    }

    /**
     * @param claimsOldestFirst every LivePatch's claim on this node, oldest LivePatch first
     * @param presentOnNode     the claims made by the entries already in the node's spec, by LivePatch
     */
    public static Map<String, Outcome> resolve(List<ModuleClaim> claimsOldestFirst, Map<String, ModuleClaim> presentOnNode) {
        Map<String, Outcome> out = new LinkedHashMap<>();
        List<ModuleClaim> accepted = new ArrayList<>();
        for (ModuleClaim claim : claimsOldestFirst) {
            if (claim.isEmpty()) {
                continue;
            }
            Optional<String> clash = accepted.stream().map(claim::clashWith).flatMap(Optional::stream).findFirst();
            if (clash.isPresent()) {
                out.put(claim.livePatch(), new Outcome.Conflict(clash.get()));
            } else {
                accepted.add(claim);
                out.put(claim.livePatch(), new Outcome.Holds());
            }
        }
        for (ModuleClaim holder : accepted) {
            presentOnNode.values().stream()
                    .filter(p -> !p.livePatch().equals(holder.livePatch()) && out.get(p.livePatch()) instanceof Outcome.Conflict)
                    .map(holder::clashWith).flatMap(Optional::stream).findFirst()
                    .ifPresent(why -> out.put(holder.livePatch(), new Outcome.Blocked("waiting for clashing modules to leave the node: " + why)));
        }
        return out;
    }
}
