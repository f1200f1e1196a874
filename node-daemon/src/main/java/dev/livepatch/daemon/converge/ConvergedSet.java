package dev.livepatch.daemon.converge;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.daemon.health.GateWatch;

import java.time.Instant;
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

    public ConvergedSet() {}

    public ConvergedSet(NodeLivePatchSpec spec, long generation, String at, String bootId, String kernelRelease) {
        this.spec = spec;
        this.generation = generation;
        this.at = at;
        this.bootId = bootId;
        this.kernelRelease = kernelRelease;
    }

    /** Whether {@code status}, published for {@code records}, shows the node converged: Ready and no bake open or failed. */
    public static boolean proven(NodeLivePatchStatus status, HostState records) {
        return StatusAssembler.isTrue(status, "Ready") && records.health.values().stream().allMatch(GateWatch::passed);
    }

    /**
     * Saves {@code spec} as the last converged set when the status proves it and it is not saved yet
     * (same spec, generation and boot: nothing to write, so a resync rewrites no file). Returns whether
     * the records changed.
     */
    public static boolean record(HostState records, NodeLivePatchSpec spec, long generation, NodeLivePatchStatus status, Instant now) {
        if (!proven(status, records)) return false;
        ConvergedSet last = records.lastConverged;
        NodeLivePatchSpec saved = spec == null ? new NodeLivePatchSpec() : spec;
        if (last != null && last.generation == generation && Objects.equals(last.bootId, status.getBootId())
                && Objects.equals(last.kernelRelease, status.getKernelRelease())
                && JSON.valueToTree(saved).equals(JSON.valueToTree(last.spec))) {
            return false;
        }
        records.lastConverged = new ConvergedSet(JSON.convertValue(JSON.valueToTree(saved), NodeLivePatchSpec.class), generation, now.toString(),
                status.getBootId(), status.getKernelRelease());
        return true;
    }
}
