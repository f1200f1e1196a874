package dev.livepatch.operator.nodes;

import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;

/**
 * Passes a Node update only when something the operator reads of a node changed: its labels (the
 * OS label, selectors), its kernel release, its OS, or its Ready condition. The kubelet updates
 * every node's status every few seconds (heartbeats, images, resources); on a 5,000-node fleet
 * those updates would otherwise reconcile every LivePatch hundreds of times a second.
 */
public final class NodeFactsChanged implements OnUpdateFilter<Node> {
    @Override
    public boolean accept(Node updated, Node old) {
        return !Objects.equals(updated.getMetadata().getLabels(), old.getMetadata().getLabels())
                || !Objects.equals(Targeting.kernelRelease(updated), Targeting.kernelRelease(old))
                || Targeting.isLinux(updated) != Targeting.isLinux(old)
                || Targeting.isReady(updated) != Targeting.isReady(old);
    }
}
