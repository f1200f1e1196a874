package dev.livepatch.operator.write;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeModule;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One node's desired {@code NodeLivePatch.spec} (docs/node-contract.md): {@code modules} +
 * {@code retained}, decided from {@code current} (the object as read, or null when the node has
 * none yet). The resourceVersion of {@code current} goes with the write, so that two reconciles
 * writing one node's spec at once cannot lose each other's entries: the loser gets a 409.
 */
public record NodeSpec(Node node, NodeLivePatch current, List<NodeModule> modules, List<String> retained) {

    public String name() {
        return node.getMetadata().getName();
    }

    /** The stored spec already says this. */
    public boolean unchanged() {
        return current != null && current.getSpec() != null && Objects.equals(current.getSpec().getModules(), modules)
                && Objects.equals(current.getSpec().getRetained(), retained);
    }

    /** The object to send: name, the resourceVersion decided from, the owner reference, the whole spec. */
    public NodeLivePatch desired() {
        NodeLivePatchSpec spec = new NodeLivePatchSpec(new ArrayList<>(modules));
        spec.setRetained(new ArrayList<>(retained));
        NodeLivePatch desired = new NodeLivePatch();
        desired.setMetadata(new ObjectMetaBuilder()
                .withName(name())
                .withResourceVersion(current == null ? null : current.getMetadata().getResourceVersion())
                .withOwnerReferences(ownerReference(node))
                .build());
        desired.setSpec(spec);
        return desired;
    }

    /** Owned by its Node so that deleting the node deletes it; never blocks the node's deletion. */
    public static OwnerReference ownerReference(Node node) {
        return new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node").withName(node.getMetadata().getName())
                .withUid(node.getMetadata().getUid()).withBlockOwnerDeletion(false).withController(true).build();
    }
}
