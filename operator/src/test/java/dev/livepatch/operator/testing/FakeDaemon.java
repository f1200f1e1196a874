package dev.livepatch.operator.testing;

import dev.livepatch.api.v1alpha1.KernelPatch;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node daemon as small as the tests need: on {@link #sync()} it reports every NodeLivePatch's
 * spec as done (modules Enabled, or the outcome set for a node), retired patches gone, and one
 * transition record per newly enabled module.
 */
public final class FakeDaemon {
    private final KubernetesClient client;
    private final Map<String, ModuleState> outcome = new ConcurrentHashMap<>();
    /** The spec each node last acted on: the mock server does not bump metadata.generation on a merge patch. */
    private final Map<String, String> actedOn = new ConcurrentHashMap<>();
    private volatile int rcuWarnings;
    private volatile double seconds = 1;

    public FakeDaemon(KubernetesClient client) {
        this.client = client;
    }

    /** Every module on this node ends in {@code state} (Failed, Stalled, Transitioning) instead of Enabled. */
    public FakeDaemon on(String node, ModuleState state) {
        outcome.put(node, state);
        return this;
    }

    /** Transitions from now on report these RCU warnings and duration. */
    public FakeDaemon transitions(int rcuWarnings, double seconds) {
        this.rcuWarnings = rcuWarnings;
        this.seconds = seconds;
        return this;
    }

    public void sync() {
        for (NodeLivePatch nlp : client.resources(NodeLivePatch.class).list().getItems()) {
            report(nlp);
        }
    }

    private void report(NodeLivePatch nlp) {
        NodeLivePatchStatus old = nlp.getStatus() == null ? new NodeLivePatchStatus() : nlp.getStatus();
        String spec = io.fabric8.kubernetes.client.utils.Serialization.asJson(nlp.getSpec());
        if (Objects.equals(old.getObservedGeneration(), nlp.getMetadata().getGeneration()) && spec.equals(actedOn.get(nlp.getMetadata().getName()))) {
            return;
        }
        actedOn.put(nlp.getMetadata().getName(), spec);
        ModuleState state = outcome.getOrDefault(nlp.getMetadata().getName(), ModuleState.Enabled);
        String now = Instant.now().toString();
        NodeLivePatchStatus s = new NodeLivePatchStatus();
        s.setObservedGeneration(nlp.getMetadata().getGeneration());
        s.setKernelRelease(Fixtures.KERNEL);
        List<ModuleStatus> modules = new ArrayList<>();
        List<KernelPatch> patches = new ArrayList<>();
        List<TransitionRecord> transitions = new ArrayList<>(old.getLastTransitions());
        for (NodeModule m : nlp.getSpec().getModules()) {
            modules.add(new ModuleStatus(m.getName(), m.getLivePatch(), state,
                    state == ModuleState.Failed ? "LoadFailed" : state == ModuleState.Stalled ? "TransitionStalled" : null,
                    state == ModuleState.Enabled ? null : "the fake kernel said no", now));
            if (state == ModuleState.Enabled) {
                KernelPatch p = new KernelPatch();
                p.setName(m.getName());
                p.setEnabled(true);
                p.setManaged(true);
                patches.add(p);
                boolean wasEnabled = old.getModules().stream().anyMatch(x -> x.getName().equals(m.getName()) && x.getState() == ModuleState.Enabled);
                if (!wasEnabled) {
                    TransitionRecord t = new TransitionRecord();
                    t.setPatch(m.getName());
                    t.setDirection(TransitionDirection.Patching);
                    t.setSeconds(seconds);
                    t.setOutcome(TransitionOutcome.Completed);
                    t.setRcuStallWarnings(rcuWarnings);
                    t.setFinishedAt(now);
                    transitions.add(t);
                }
            }
        }
        for (String retained : nlp.getSpec().getRetained()) {
            KernelPatch p = new KernelPatch();
            p.setName(retained);
            p.setEnabled(true);
            p.setManaged(false);
            patches.add(p);
        }
        s.setModules(modules);
        s.setPatches(patches);
        s.setLastTransitions(new ArrayList<>(transitions.subList(Math.max(0, transitions.size() - 10), transitions.size())));
        nlp.setStatus(s);
        client.resource(nlp).subresource("status").update();
    }
}
