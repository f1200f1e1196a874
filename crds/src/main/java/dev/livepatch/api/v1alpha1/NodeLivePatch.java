package dev.livepatch.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The contract between the operator and one node's daemon, named after the node and owned by
 * its Node (docs/design.md §3.2). The operator alone writes {@code spec}; that node's daemon alone writes
 * {@code status}.
 */
@Group(LivePatch.GROUP)
@Version(LivePatch.VERSION)
@ShortNames("nlp")
@Plural("nodelivepatches")
@Categories("livepatch")
@AdditionalPrinterColumn(name = "Kernel", jsonPath = ".status.kernelRelease", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Transition", jsonPath = ".status.transition.patch", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Boot", jsonPath = ".status.bootId", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.conditions[?(@.type==\"Ready\")].message", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
public class NodeLivePatch extends CustomResource<NodeLivePatchSpec, NodeLivePatchStatus> {
}
