package dev.livepatch.daemon.converge;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.daemon.health.GateWatch;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A desired set this node proved: a pass ended with every module of it enabled, nothing left to
 * retire, no transition in flight and no health gate watching or failed (docs/design.md §5 rule 15).
 * Saved in the host records so that the boot restore can apply it before the API server answers.
 * The last <em>converged</em> set, never the last received one: a reboot mid-rollout restores what
 * this node last proved, and the operator's pacing governs anything newer.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public class ConvergedSet {
    private static final ObjectMapper JSON = new ObjectMapper();

    public NodeLivePatchSpec spec;
    public long generation;
    /** When it was saved, and on which boot and kernel release. */
    public String at;
    public String bootId;
    public String kernelRelease;
    /**
     * The patches as the kernel stacked them then, bottom first. The restore loads in this order: a
     * pinned module that came after a replaceable one of the same function must again sit above it
     * (rule 10 refuses the replaceable one above it). Null in records saved before it was kept.
     */
    public List<String> stack;

    public ConvergedSet() {}

    public ConvergedSet(NodeLivePatchSpec spec, long generation, String at, String bootId, String kernelRelease, List<String> stack) {
        this.spec = spec;
        this.generation = generation;
        this.at = at;
        this.bootId = bootId;
        this.kernelRelease = kernelRelease;
        this.stack = stack;
    }

    /** The saved modules in the order to load them: as they were stacked, bottom first; any the stack lacks after, in the spec's order. */
    public List<NodeModule> inLoadOrder(List<NodeModule> modules) {
        List<String> order = stack == null ? List.of() : stack;
        return modules.stream().sorted(Comparator.comparingInt(m -> {
            int at = order.indexOf(m.getName());
            return at < 0 ? Integer.MAX_VALUE : at;
        })).toList();
    }

    /** Whether {@code status}, published for {@code records}, shows the node converged: Ready and no bake open or failed. */
    public static boolean proven(NodeLivePatchStatus status, HostState records) {
        return StatusAssembler.isTrue(status, "Ready") && records.health.values().stream().allMatch(GateWatch::passed);
    }

    /**
     * Saves {@code spec} as the last converged set when the status proves it and it is not saved yet
     * (same spec, generation, boot and stack: nothing to write, so a resync rewrites no file), with
     * the kernel's {@code stack} of patches, bottom first. Returns whether the records changed.
     */
    public static boolean record(HostState records, NodeLivePatchSpec spec, long generation, NodeLivePatchStatus status, List<String> stack,
                                 Instant now) {
        if (!proven(status, records)) return false;
        ConvergedSet last = records.lastConverged;
        NodeLivePatchSpec saved = spec == null ? new NodeLivePatchSpec() : spec;
        if (last != null && last.generation == generation && Objects.equals(last.bootId, status.getBootId())
                && Objects.equals(last.kernelRelease, status.getKernelRelease()) && stack.equals(last.stack)
                && JSON.valueToTree(saved).equals(JSON.valueToTree(last.spec))) {
            return false;
        }
        records.lastConverged = new ConvergedSet(JSON.convertValue(JSON.valueToTree(saved), NodeLivePatchSpec.class), generation, now.toString(),
                status.getBootId(), status.getKernelRelease(), List.copyOf(stack));
        return true;
    }
}
