package dev.livepatch.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A set of kernel livepatch modules to roll out to the nodes it selects (docs/design.md §3.1).
 * Cluster-scoped: it runs kernel code on nodes, so it belongs to cluster admins.
 */
@Group(LivePatch.GROUP)
@Version(LivePatch.VERSION)
@ShortNames("lp")
@Plural("livepatches")
@Categories("livepatch")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Updated", jsonPath = ".status.summary", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Failed", jsonPath = ".status.failedNodes", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Target", jsonPath = ".status.targetNodes", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Stalled", jsonPath = ".status.stalledNodes", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Preflight", jsonPath = ".status.preflight.summary", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.conditions[?(@.type==\"Ready\")].message", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
public class LivePatch extends CustomResource<LivePatchSpec, LivePatchStatus> {
    public static final String GROUP = "livepatch.dev";
    public static final String VERSION = "v1alpha1";

    /**
     * The schema defaults a missing status to observedGeneration 0, no conditions, no failures;
     * the API server fills it in on every read until the operator writes a status. kstatus (Flux's
     * health checks) then reads a just-created LivePatch as InProgress (generation 1 not observed
     * yet) instead of Current, its verdict on an object without status (docs/gitops.md).
     */
    @Override
    @Default("{\"observedGeneration\":0}")
    public LivePatchStatus getStatus() {
        return super.getStatus();
    }
}
