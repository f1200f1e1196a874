package dev.livepatch.operator.nodes;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Drops the watch event of this operator's own spec write when it comes before the write's
 * response: an update that changes the spec to what a write still in flight sends, and nothing
 * the operator reads besides (status, deletion, labels, annotations as they were). The reconcile
 * that submitted the write already reads the node as that write leaves it, so the event would
 * only bring a reconcile that decides nothing new, queued in front of the daemons' reports. JOSDK
 * drops such an event itself only when the response came first. Every other update passes.
 */
public final class SpecWriteEchoes implements OnUpdateFilter<NodeLivePatch> {
    private final Predicate<NodeLivePatch> writing;

    /** {@code writing}: a spec write of this operator is in flight for the object's node, sending exactly its spec. */
    public SpecWriteEchoes(Predicate<NodeLivePatch> writing) {
        this.writing = writing;
    }

    @Override
    public boolean accept(NodeLivePatch updated, NodeLivePatch old) {
        return !(writing.test(updated) && !sameSpec(updated.getSpec(), old.getSpec()) && onlySpecChanged(updated, old));
    }

    private static boolean sameSpec(NodeLivePatchSpec a, NodeLivePatchSpec b) {
        return a == null ? b == null : b != null && Objects.equals(a.getModules(), b.getModules()) && Objects.equals(a.getRetained(), b.getRetained());
    }

    private static boolean onlySpecChanged(NodeLivePatch updated, NodeLivePatch old) {
        return Objects.equals(updated.getMetadata().getDeletionTimestamp(), old.getMetadata().getDeletionTimestamp())
                && Objects.equals(updated.getMetadata().getLabels(), old.getMetadata().getLabels())
                && Objects.equals(updated.getMetadata().getAnnotations(), old.getMetadata().getAnnotations())
                && Serialization.asJson(updated.getStatus()).equals(Serialization.asJson(old.getStatus()));
    }
}
