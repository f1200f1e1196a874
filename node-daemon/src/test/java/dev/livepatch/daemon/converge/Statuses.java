package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

/** Reading a NodeLivePatch status in tests, and writing a spec. */
final class Statuses {
    private Statuses() {}

    static NodeLivePatchSpec spec(NodeModule... modules) { return new NodeLivePatchSpec(new ArrayList<>(List.of(modules))); }

    static ModuleStatus module(NodeLivePatchStatus s, String name) {
        return s.getModules().stream().filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    static Condition condition(NodeLivePatchStatus s, String type) {
        return s.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }

    static List<String> transitions(NodeLivePatchStatus s, TransitionDirection d) {
        return s.getLastTransitions().stream().filter(t -> t.getDirection() == d).map(TransitionRecord::getPatch).toList();
    }
}
