package dev.livepatch.daemon.execute;

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
import dev.livepatch.daemon.kernel.PatchState;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the NodeLivePatch status (DESIGN §3.2, docs/node-contract.md) from what was read and
 * recorded. Pure: the same inputs give the same status; times carry over from {@code previous}
 * when a module state or condition status did not change, so an idle node writes nothing.
 */
final class StatusAssembler {
    static final int MAX_LIST = 256;

    /** Everything one status is made from. {@code stalledPatch}: the transition in flight outlasted its stallTimeout. */
    record Inputs(NodeLivePatchSpec spec, long generation, String release, String bootId, KernelCapabilities capabilities,
                  List<PatchState> patches, HostState state, Map<String, String> holds, Transition transition, boolean stalled,
                  String error, NodeLivePatchStatus previous, Instant now) {}

    private StatusAssembler() {}

    static NodeLivePatchStatus assemble(Inputs in) {
        NodeLivePatchStatus s = new NodeLivePatchStatus();
        s.setObservedGeneration(in.generation());
        s.setKernelRelease(in.release());
        s.setBootId(in.bootId());
        s.setCapabilities(in.capabilities());
        s.setPatches(patches(in));
        s.setModules(modules(in));
        s.setTransition(copy(in.transition()));
        s.setLastTransitions(new ArrayList<>(in.state().lastTransitions));
        List<PendingUnload> pending = new ArrayList<>();
        in.state().pendingUnloads.forEach((m, p) -> pending.add(new PendingUnload(m, p.since, p.unloadAfter)));
        s.setPendingUnloads(pending.subList(0, Math.min(MAX_LIST, pending.size())));
        s.setConditions(conditions(in, s));
        return s;
    }

    /** The executor keeps updating its Transition; a published status holds its own copy. */
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
        List<PatchState> ordered = new ArrayList<>(in.patches());
        boolean kernelOrder = ordered.stream().allMatch(p -> p.stackOrder() != null);
        if (!kernelOrder) {
            // 6.1 has no stack_order: unmanaged patches were there first, then ours in the order we loaded them.
            ordered.sort(Comparator.comparingLong(p -> Optional.ofNullable(in.state().managed.get(p.name())).map(m -> m.seq).orElse(0L)));
        }
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
            return new ModuleStatus(name, nm.getLivePatch(), ModuleState.Enabled, NodeReasons.CONVERGED, "patch " + name + " is enabled", now);
        }
        String hold = in.holds().getOrDefault(name, "waiting its turn: one transition at a time");
        return new ModuleStatus(name, nm.getLivePatch(), ModuleState.Pending, NodeReasons.APPLYING, hold, now);
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
                        : !failed.isEmpty() ? failed.size() + " module(s) failed; first: " + failed.get(0).getMessage()
                        : !toRetire.isEmpty() ? "retiring " + toRetire : "applying the spec"));
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
