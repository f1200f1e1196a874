package dev.livepatch.operator.nodes;

import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.operator.write.NodeSpec;
import dev.livepatch.operator.write.NodeSpecStore;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps NodeLivePatches tidy: deletes the one of a node that no longer exists (the garbage
 * collector does it by ownerReference where kube-controller-manager runs; this covers clusters and
 * tests without it), and drops a name from {@code spec.retained} once the daemon, having
 * observed the spec that carries it, no longer reports that patch (docs/node-contract.md). Run by
 * the {@link NodeLivePatchHousekeeping} when a NodeLivePatch appears or is updated with names in
 * {@code retained}, or a node appears or goes: other updates (two or more per node per rollout) call
 * for nothing.
 */
final class NodeLivePatchJanitor {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLivePatchJanitor.class);

    private final KubernetesClient client;
    private final NodeSpecStore writer;

    NodeLivePatchJanitor(KubernetesClient client, NodeSpecStore writer) {
        this.client = client;
        this.writer = writer;
    }

    /** Whether an update of this NodeLivePatch can call for the janitor: it carries retained names. */
    static boolean hasRetained(NodeLivePatch nlp) {
        return nlp.getSpec() != null && !nlp.getSpec().getRetained().isEmpty();
    }

    /**
     * The retained names to keep: those the daemon still reports in {@code status.patches}; all of
     * them until the daemon has observed the current spec (the one that carries them). A status
     * from before a name was retained may not list a patch that is loading right then, and dropping
     * the name would have the daemon retire what the user meant to keep.
     */
    static List<String> stillRetained(NodeLivePatch nlp) {
        List<String> retained = nlp.getSpec() == null ? List.of() : nlp.getSpec().getRetained();
        if (retained.isEmpty() || nlp.getStatus() == null
                || !Objects.equals(nlp.getStatus().getObservedGeneration(), nlp.getMetadata().getGeneration())) {
            return retained;
        }
        Set<String> reported = nlp.getStatus().getPatches().stream().map(KernelPatch::getName).collect(Collectors.toSet());
        return retained.stream().filter(reported::contains).toList();
    }

    /** Deletes the NodeLivePatch of a node that is gone, or releases the retained names no longer loaded. */
    void tidy(NodeLivePatch nlp, Optional<Node> node) {
        String name = nlp.getMetadata().getName();
        if (node.isEmpty()) {
            if (client.nodes().withName(name).get() == null) { // the cache may lag a just-created node
                client.resource(nlp).delete();
                LOG.info("deleted NodeLivePatch of a deleted node node={}", name);
            }
            return;
        }
        List<String> retained = nlp.getSpec() == null ? List.of() : nlp.getSpec().getRetained();
        List<String> still = stillRetained(nlp);
        if (still.size() != retained.size()) {
            writer.store(new NodeSpec(node.get(), nlp, nlp.getSpec().getModules(), still));
            LOG.info("released retained patches no longer loaded node={} retained={}", name, still);
        }
    }
}
