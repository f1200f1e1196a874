package dev.livepatch.operator.testing;

import dev.livepatch.api.fixture.DaemonReport;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node daemons against the mock server: on {@link #sync()} every NodeLivePatch whose spec its
 * daemon has not acted on gets that daemon's {@link DaemonReport} (every module Enabled, or the
 * outcome set for its node).
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

    /** Every module on this node ends {@code Failed} (or {@code Enabled}, the default). */
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
        String name = nlp.getMetadata().getName();
        String spec = Serialization.asJson(nlp.getSpec());
        if (DaemonReport.current(nlp) && spec.equals(actedOn.get(name))) {
            return;
        }
        actedOn.put(name, spec);
        nlp.setStatus(DaemonReport.on(nlp).everyModule(outcome.getOrDefault(name, ModuleState.Enabled)).kernel(Fixtures.KERNEL)
                .transitionsTook(seconds, rcuWarnings).status());
        client.resource(nlp).subresource("status").update();
    }
}
