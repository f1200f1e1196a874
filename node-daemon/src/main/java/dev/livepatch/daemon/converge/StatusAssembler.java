package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.KernelCapabilities;
import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.PendingUnload;
import dev.livepatch.api.v1alpha1.Transition;
import dev.livepatch.daemon.health.GateWatch;
import dev.livepatch.daemon.kernel.KernelSnapshot;
import dev.livepatch.daemon.kernel.PatchState;
import dev.livepatch.daemon.plan.FunctionOverlaps;
import dev.livepatch.daemon.plan.NodePlanner;
import dev.livepatch.daemon.plan.Plan;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the NodeLivePatch status (docs/node-contract.md) from one kernel snapshot and the
 * records. Pure: the same inputs give the same status; times carry over from {@code previous}
 * when a module state or condition status did not change, so an idle node writes nothing.
 */
public final class StatusAssembler {
    static final int MAX_LIST = 256;

    /**
     * Everything one status is made from. {@code kernel}: null when it could not be read.
     * {@code holds}: why desired modules wait, by name; {@code heldRetirements}: why retirements wait.
     * {@code stalled}: the transition in flight outlasted its stallTimeout.
     */
    record Inputs(NodeLivePatchSpec spec, long generation, KernelSnapshot kernel, HostState state, Map<String, Plan.Refusal> holds,
                  List<Plan.Refusal> heldRetirements, Transition transition, boolean stalled, String error, NodeLivePatchStatus previous,
                  Instant now) {
        String release() { return kernel == null ? null : kernel.release(); }

        String bootId() { return kernel == null ? null : kernel.bootId(); }

        KernelCapabilities capabilities() { return kernel == null ? new KernelCapabilities() : kernel.capabilities(); }

        List<PatchState> patches() { return kernel == null ? List.of() : kernel.patches(); }
    }

    private StatusAssembler() {}

    /** Whether the status' condition {@code type} is True. */
    public static boolean isTrue(NodeLivePatchStatus status, String type) {
        return status.getConditions().stream().anyMatch(c -> c.getType().equals(type) && c.getStatus().equals("True"));
    }

    static NodeLivePatchStatus assemble(Inputs in) {
        NodeLivePatchStatus s = new NodeLivePatchStatus();
        s.setObservedGeneration(in.generation());
        s.setKernelRelease(in.release());
        s.setBootId(in.bootId());
        s.setCapabilities(in.capabilities());
        s.setPatches(patches(in));
        s.setFunctionOverlaps(functionOverlaps(in));
        s.setModules(modules(in));
        s.setTransition(copy(in.transition()));
        s.setLastTransitions(new ArrayList<>(in.state().lastTransitions));
        List<PendingUnload> pending = new ArrayList<>();
        in.state().pendingUnloads.forEach((m, p) -> pending.add(new PendingUnload(m, p.since, p.unloadAfter)));
        s.setPendingUnloads(pending.subList(0, Math.min(MAX_LIST, pending.size())));
        s.setHealthGates(in.state().health.values().stream().limit(MAX_LIST).map(GateWatch::toStatus).toList());
        s.setConditions(conditions(in, s));
        return s;
    }

    /** The converger keeps updating its Transition; a published status holds its own copy. */
    private static Transition copy(Transition t) {
        if (t == null) return null;
        Transition c = new Transition();
        c.setPatch(t.getPatch());
        c.setDirection(t.getDirection());
        c.setStartedAt(t.getStartedAt());
        c.setBlockingTasks(List.copyOf(t.getBlockingTasks().subList(0, Math.min(Transition.MAX_BLOCKING_TASKS, t.getBlockingTasks().size()))));
        return c;
    }

    private static List<KernelPatch> patches(Inputs in) {
        List<KernelPatch> out = new ArrayList<>();
        List<PatchState> ordered = NodePlanner.stack(in.patches(), in.state());
        boolean kernelOrder = NodePlanner.kernelOrdered(ordered);
        for (PatchState p : ordered) {
            if (out.size() >= MAX_LIST) break;
            HostState.Managed m = in.state().managed.get(p.name());
            KernelPatch k = new KernelPatch();
            k.setName(p.name());
            k.setEnabled(p.enabled());
            k.setTransition(p.transition());
            k.setManaged(m != null);
            k.setReplaceable(p.replaceableAttr() != null ? p.replaceableAttr() : m != null ? m.replaceable : null);
            k.setSha256(m == null ? null : m.sha256);
            k.setStackOrder(kernelOrder ? p.stackOrder() : out.size() + 1);
            k.setLoadedAt(m == null ? null : m.loadedAt);
            out.add(k);
        }
        return out;
    }

    /** docs/design.md §5 rule 10, as the kernel shows it now: every function more than one enabled patch patches. */
    private static List<dev.livepatch.api.v1alpha1.FunctionOverlap> functionOverlaps(Inputs in) {
        List<FunctionOverlaps.Layer> layers = NodePlanner.stack(in.patches(), in.state()).stream().filter(PatchState::enabled)
                .map(p -> new FunctionOverlaps.Layer(p.name(), Optional.ofNullable(in.state().managed.get(p.name())).map(m -> !m.replaceable).orElse(false),
                        p.functions())).toList();
        List<dev.livepatch.api.v1alpha1.FunctionOverlap> all = FunctionOverlaps.of(layers);
        return all.subList(0, Math.min(MAX_LIST, all.size()));
    }

    private static List<ModuleStatus> modules(Inputs in) {
        List<ModuleStatus> out = new ArrayList<>();
        for (NodeModule nm : in.spec().getModules()) {
            if (out.size() >= MAX_LIST) break;
            ModuleStatus ms = moduleStatus(in, nm);
            previousModule(in.previous(), nm.getName())
                    .filter(p -> p.getState() == ms.getState() && Objects.equals(p.getReason(), ms.getReason()))
                    .ifPresent(p -> ms.setSince(p.getSince()));
            out.add(ms);
        }
        return out;
    }

    private static ModuleStatus moduleStatus(Inputs in, NodeModule nm) {
        String name = nm.getName();
        String now = in.now().toString();
        HostState.Failure f = in.state().failures.get(name);
        if (f != null && f.retryable) {
            return new ModuleStatus(name, nm.getLivePatch(), ModuleState.Pending, NodeReasons.RETRYING,
                    f.message + " (attempt " + f.attempts + "; next attempt at " + f.nextAttemptAt + ")", now);
        }
        if (f != null) return new ModuleStatus(name, nm.getLivePatch(), ModuleState.Failed, f.reason, f.message, f.since);
        if (Boolean.FALSE.equals(in.capabilities().getLivepatch())) {
            return new ModuleStatus(name, nm.getLivePatch(), ModuleState.Failed, NodeReasons.LIVEPATCH_UNSUPPORTED,
                    "failed to load module " + name + ": this kernel has no /sys/kernel/livepatch (CONFIG_LIVEPATCH off); nothing loaded", now);
        }
        if (in.transition() != null && name.equals(in.transition().getPatch())) {
            return in.stalled()
                    ? new ModuleStatus(name, nm.getLivePatch(), ModuleState.Stalled, NodeReasons.TRANSITION_STALLED,
                            "transition of " + name + " outlasted stallTimeout " + nm.getStallTimeout() + "; waiting for the blocking tasks (see status.transition)", now)
                    : new ModuleStatus(name, nm.getLivePatch(), ModuleState.Transitioning, NodeReasons.APPLYING,
                            "transition of " + name + " in flight", now);
        }
        HostState.Managed m = in.state().managed.get(name);
        boolean enabled = in.patches().stream().anyMatch(p -> p.name().equals(name) && p.enabled() && !p.transition());
        if (enabled && m != null && m.sha256.equals(nm.getSource().getSha256())) {
            String trusted = Boolean.TRUE.equals(in.capabilities().getReplaceAttr()) ? ""
                    : " (this kernel shows no 'replace' attribute: its atomicReplace: " + nm.isAtomicReplace() + " is trusted as declared)";
            GateWatch w = in.state().health.get(name);
            if (w != null && w.failed()) {
                return new ModuleStatus(name, nm.getLivePatch(), ModuleState.Enabled, NodeReasons.HEALTH_GATE_FAILED, "patch " + name + " is enabled "
                        + "and failed a health gate during its bake (onUnhealthy: " + w.onUnhealthy() + "): " + String.join(" | ", w.lines()), now);
            }
            String baking = w != null && w.watching() ? "; health gates watched" + (w.bakeUntil() == null ? "" : " until " + w.bakeUntil()) : "";
            return new ModuleStatus(name, nm.getLivePatch(), ModuleState.Enabled, NodeReasons.CONVERGED, "patch " + name + " is enabled" + trusted + baking, now);
        }
        Plan.Refusal hold = in.holds().get(name);
        return hold != null
                ? new ModuleStatus(name, nm.getLivePatch(), ModuleState.Pending, hold.reason(), hold.message(), now)
                : new ModuleStatus(name, nm.getLivePatch(), ModuleState.Pending, NodeReasons.APPLYING, "waiting its turn: one transition at a time", now);
    }

    private static List<Condition> conditions(Inputs in, NodeLivePatchStatus s) {
        List<ModuleStatus> failed = s.getModules().stream().filter(m -> m.getState() == ModuleState.Failed).toList();
        boolean allEnabled = s.getModules().stream().allMatch(m -> m.getState() == ModuleState.Enabled);
        List<String> toRetire = s.getPatches().stream()
                .filter(p -> Boolean.TRUE.equals(p.getManaged()) && Boolean.TRUE.equals(p.getEnabled())
                        && in.spec().getModules().stream().noneMatch(m -> m.getName().equals(p.getName())))
                .map(KernelPatch::getName).toList();
        boolean ready = allEnabled && toRetire.isEmpty() && in.transition() == null && in.error() == null;
        boolean progressing = in.transition() != null || (!ready && failed.isEmpty() && in.error() == null)
                || (!toRetire.isEmpty() && in.error() == null)
                || s.getModules().stream().anyMatch(m -> m.getState() == ModuleState.Pending);

        List<Condition> out = new ArrayList<>();
        out.add(condition(in, "Ready", ready,
                ready ? NodeReasons.CONVERGED : !failed.isEmpty() ? failed.get(0).getReason() : in.stalled() ? NodeReasons.TRANSITION_STALLED : NodeReasons.APPLYING,
                ready ? "the kernel matches the spec: " + s.getModules().size() + " module(s) enabled"
                        : !failed.isEmpty() ? failed.size() + " module(s) failed; first: " + failed.get(0).getMessage() + heldRetirements(in)
                        : !toRetire.isEmpty() ? "retiring " + toRetire + heldRetirements(in) : "applying the spec"));
        out.add(condition(in, "Progressing", progressing, NodeReasons.APPLYING,
                in.transition() != null ? "transition of " + in.transition().getPatch() + " in flight" : progressing ? "modules wait their turn" : "nothing to do"));
        out.add(condition(in, "Stalled", in.stalled(), in.stalled() ? NodeReasons.TRANSITION_STALLED : "NotStalled",
                in.stalled() ? "transition of " + in.transition().getPatch() + " outlasted its stallTimeout" : "no transition is stalled"));
        boolean degraded = !failed.isEmpty() || in.error() != null;
        out.add(condition(in, "Degraded", degraded,
                in.error() != null ? "Error" : !failed.isEmpty() ? failed.get(0).getReason() : "NoErrors",
                in.error() != null ? in.error() : !failed.isEmpty() ? failed.get(0).getMessage() : "no errors"));
        return out;
    }

    private static String heldRetirements(Inputs in) {
        if (in.heldRetirements().isEmpty()) return "";
        return " (" + String.join("; ", in.heldRetirements().stream().map(Plan.Refusal::message).toList()) + ")";
    }

    private static Condition condition(Inputs in, String type, boolean status, String reason, String message) {
        String st = status ? "True" : "False";
        String since = in.previous() == null ? null : in.previous().getConditions().stream()
                .filter(c -> c.getType().equals(type) && c.getStatus().equals(st)).map(Condition::getLastTransitionTime).findFirst().orElse(null);
        return new ConditionBuilder().withType(type).withStatus(st).withReason(reason).withMessage(message)
                .withObservedGeneration(in.generation()).withLastTransitionTime(since != null ? since : in.now().toString()).build();
    }

    private static Optional<ModuleStatus> previousModule(NodeLivePatchStatus previous, String name) {
        return previous == null ? Optional.empty() : previous.getModules().stream().filter(m -> m.getName().equals(name)).findFirst();
    }
}
