package dev.livepatch.operator.observer;

import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.operator.conflict.ClaimResolver;
import dev.livepatch.operator.nodes.Targeting;
import dev.livepatch.operator.rollout.NodeState;
import dev.livepatch.operator.rollout.NodeView;
import dev.livepatch.operator.rollout.TransitionSample;
import dev.livepatch.operator.rollout.Reasons;
import io.fabric8.kubernetes.api.model.Node;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads one node for one LivePatch, as docs/node-contract.md says ("How the operator reads a
 * node"). An observer only: it records, it never writes.
 *
 * <p>One deliberate widening of the contract: entries count as admitted at the current spec when
 * their content equals what the current generation would write, whatever their
 * {@code livePatchGeneration}. A change of {@code spec.rollout} alone (pausing, resuming, pacing)
 * bumps the generation too, and must not roll the whole fleet again.
 */
public final class NodeReader {
    private NodeReader() {}

    /** The entries the LivePatch wants on this node at its current generation. */
    public static List<NodeModule> desiredEntries(LivePatch lp, Node node) {
        return desiredEntries(lp, Targeting.modulesFor(lp.getSpec(), node));
    }

    /** The entries of {@code modules} (the LivePatch's for this node) at the LivePatch's current generation. */
    static List<NodeModule> desiredEntries(LivePatch lp, List<PatchModule> modules) {
        return modules.stream().map(m -> NodeModule.of(lp.getMetadata().getName(), lp.getMetadata().getGeneration(), m, lp.getSpec()))
                .toList();
    }

    public static List<NodeModule> entriesOf(String livePatch, NodeLivePatch nlp) {
        if (nlp == null || nlp.getSpec() == null) {
            return List.of();
        }
        return nlp.getSpec().getModules().stream().filter(m -> livePatch.equals(m.getLivePatch())).toList();
    }

    /** The node in the rollout of {@code lp}, or empty when the LivePatch does not select it. */
    public static Optional<NodeView> forRollout(LivePatch lp, Node node, NodeLivePatch nlp, ClaimResolver.Outcome claim) {
        if (!Targeting.selects(lp.getSpec(), node)) {
            return Optional.empty();
        }
        return Optional.of(read(lp, node, nlp, claim, Targeting.modulesFor(lp.getSpec(), node)));
    }

    /** A node the LivePatch selects, whose modules for this node's kernel are {@code modules} (targeting done by the caller). */
    static NodeView read(LivePatch lp, Node node, NodeLivePatch nlp, ClaimResolver.Outcome claim, List<PatchModule> modules) {
        String name = node.getMetadata().getName();
        boolean ready = Targeting.isReady(node);
        Instant last = lastTransitionAt(nlp);
        if (modules.isEmpty()) {
            return new NodeView(name, NodeState.NOT_APPLICABLE, ready, last, null, null, null, null);
        }
        if (claim instanceof ClaimResolver.Outcome.Conflict c) {
            return new NodeView(name, NodeState.CONFLICT, ready, last, null, Reasons.CONFLICT, c.message(), null);
        }
        if (claim instanceof ClaimResolver.Outcome.Blocked b) {
            return new NodeView(name, NodeState.CONFLICT, ready, last, null, Reasons.CONFLICT, b.message(), null);
        }
        List<NodeModule> entries = entriesOf(lp.getMetadata().getName(), nlp);
        boolean busy = kernelBusy(nlp, lp.getMetadata().getName());
        if (!sameContent(entries, lp, modules)) {
            return new NodeView(name, NodeState.PENDING, ready, last, null, null, null, null, busy);
        }
        Long admitted = entries.stream().map(NodeModule::getLivePatchGeneration).filter(Objects::nonNull).max(Comparator.naturalOrder()).orElse(0L);
        if (!observedCurrentSpec(nlp)) {
            return new NodeView(name, NodeState.IN_PROGRESS, ready, last, admitted, null, null, null, true);
        }
        Set<String> names = modules.stream().map(PatchModule::getName).collect(Collectors.toSet());
        List<ModuleStatus> statuses = nlp.getStatus().getModules().stream()
                .filter(s -> lp.getMetadata().getName().equals(s.getLivePatch()) && names.contains(s.getName())).toList();
        Optional<ModuleStatus> failed = statuses.stream().filter(ModuleReadings::failed).findFirst();
        if (failed.isPresent()) {
            return problem(name, NodeState.FAILED, ready, last, admitted, failed.get(), busy);
        }
        Optional<ModuleStatus> stalled = statuses.stream().filter(s -> s.getState() == ModuleState.Stalled).findFirst();
        if (stalled.isPresent()) {
            return problem(name, NodeState.STALLED, ready, last, admitted, stalled.get(), true);
        }
        boolean allDone = statuses.stream().filter(ModuleReadings::done).map(ModuleStatus::getName).collect(Collectors.toSet()).containsAll(names);
        boolean updated = allDone && !busy;
        return new NodeView(name, updated ? NodeState.UPDATED : NodeState.IN_PROGRESS, ready, last, admitted, null, null, null,
                !updated);
    }

    /**
     * Kernel truth for the concurrency slot of {@code livePatch}, whatever its spec now says: the
     * node's kernel is in a transition; or it still owes one (a managed patch the spec no longer
     * names is enabled: the retirement after an upgrade's load; or a module of the LivePatch is
     * neither Enabled nor Failed yet: a load, while another module may have failed); or the
     * LivePatch's entries (or the kernel's managed patches) are in a spec the daemon has not
     * reported on since it was written. A node of a silent daemon thus keeps its slot until the
     * daemon reports an idle kernel. Another LivePatch's entries the daemon has not acted on yet do
     * not hold this one's slot: that rollout counts them.
     */
    static boolean kernelBusy(NodeLivePatch nlp, String livePatch) {
        if (nlp == null || nlp.getSpec() == null) {
            return false;
        }
        List<NodeModule> mine = entriesOf(livePatch, nlp);
        NodeLivePatchStatus status = nlp.getStatus();
        if (status == null) {
            return !mine.isEmpty();
        }
        if (!observedCurrentSpec(nlp)) {
            return !mine.isEmpty() || status.getPatches().stream().anyMatch(p -> Boolean.TRUE.equals(p.getManaged()));
        }
        if (status.getTransition() != null) {
            return true;
        }
        Set<String> names = nlp.getSpec().getModules().stream().map(NodeModule::getName).collect(Collectors.toSet());
        names.addAll(nlp.getSpec().getRetained());
        boolean owesRetirement = status.getPatches().stream()
                .anyMatch(p -> Boolean.TRUE.equals(p.getManaged()) && Boolean.TRUE.equals(p.getEnabled()) && !names.contains(p.getName()));
        return owesRetirement || mine.stream().anyMatch(m -> owesLoad(m, status));
    }

    private static boolean owesLoad(NodeModule entry, NodeLivePatchStatus status) {
        return status.getModules().stream()
                .filter(s -> entry.getName().equals(s.getName()) && Objects.equals(entry.getLivePatch(), s.getLivePatch()))
                .noneMatch(ModuleReadings::settled);
    }

    /**
     * The node while {@code lp} is rolled off it (removalPolicy Unload), or empty when the node
     * neither carries nor reports the LivePatch's modules: pending while its spec still carries
     * them, in progress until the daemon no longer reports them.
     */
    public static Optional<NodeView> forUnload(LivePatch lp, Node node, NodeLivePatch nlp) {
        String name = node.getMetadata().getName();
        boolean ready = Targeting.isReady(node);
        Instant last = lastTransitionAt(nlp);
        if (!entriesOf(lp.getMetadata().getName(), nlp).isEmpty()) {
            return Optional.of(new NodeView(name, NodeState.PENDING, ready, last, null, null, null, null, kernelBusy(nlp, lp.getMetadata().getName())));
        }
        if (stillReported(lp, nlp)) {
            return Optional.of(new NodeView(name, NodeState.IN_PROGRESS, ready, last, lp.getMetadata().getGeneration(), null, null, null));
        }
        return Optional.empty();
    }

    private static boolean stillReported(LivePatch lp, NodeLivePatch nlp) {
        if (nlp == null || nlp.getStatus() == null) {
            return false;
        }
        String lpName = lp.getMetadata().getName();
        Set<String> names = lp.getSpec().getModules().stream().map(PatchModule::getName).collect(Collectors.toSet());
        NodeLivePatchStatus s = nlp.getStatus();
        return s.getModules().stream().anyMatch(m -> lpName.equals(m.getLivePatch()))
                || s.getPatches().stream().filter(p -> !Boolean.FALSE.equals(p.getManaged())).map(KernelPatch::getName).anyMatch(names::contains);
    }

    private static NodeView problem(String node, NodeState state, boolean ready, Instant last, Long admitted, ModuleStatus s, boolean busy) {
        String reason = s.getReason() != null ? s.getReason() : state == NodeState.FAILED ? "Failed" : "Stalled";
        String message = "module " + s.getName() + ": " + (s.getMessage() == null ? s.getState() : s.getMessage());
        return new NodeView(node, state, ready, last, admitted, reason, message, s.getSince(), busy);
    }

    /** Entries equal, in order, to what the current spec would write, their generation aside. */
    private static boolean sameContent(List<NodeModule> entries, LivePatch lp, List<PatchModule> modules) {
        if (entries.size() != modules.size()) {
            return false;
        }
        for (int i = 0; i < entries.size(); i++) {
            NodeModule want = NodeModule.of(lp.getMetadata().getName(), entries.get(i).getLivePatchGeneration(), modules.get(i), lp.getSpec());
            if (!want.equals(entries.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean observedCurrentSpec(NodeLivePatch nlp) {
        return nlp.getStatus() != null && nlp.getStatus().getObservedGeneration() != null
                && nlp.getStatus().getObservedGeneration().equals(nlp.getMetadata().getGeneration());
    }

    /** The latest finished transition, or the start of the one in flight (node cooldown). */
    static Instant lastTransitionAt(NodeLivePatch nlp) {
        if (nlp == null || nlp.getStatus() == null) {
            return null;
        }
        Stream<String> finished = nlp.getStatus().getLastTransitions().stream().map(TransitionRecord::getFinishedAt);
        Stream<String> inFlight = nlp.getStatus().getTransition() == null ? Stream.empty() : Stream.of(nlp.getStatus().getTransition().getStartedAt());
        return Stream.concat(finished, inFlight).map(NodeReader::instant).filter(Objects::nonNull).max(Comparator.naturalOrder()).orElse(null);
    }

    /** The node's finished transitions, for stall-aware pacing. */
    static Stream<TransitionSample> transitions(NodeLivePatch nlp) {
        if (nlp == null || nlp.getStatus() == null) {
            return Stream.empty();
        }
        String node = nlp.getMetadata().getName();
        return nlp.getStatus().getLastTransitions().stream()
                .filter(t -> instant(t.getFinishedAt()) != null)
                .map(t -> new TransitionSample(node, instant(t.getFinishedAt()), t.getSeconds() == null ? 0 : t.getSeconds(),
                        t.getOutcome() == null ? TransitionOutcome.Completed : t.getOutcome(),
                        t.getRcuStallWarnings() == null ? 0 : t.getRcuStallWarnings()));
    }

    public static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null; // a daemon's malformed time must not stop the rollout; the node just has no cooldown
        }
    }
}
