package dev.livepatch.daemon.plan;

import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.values.KubeDuration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The node's desired set D as its NodeLivePatch spec states it: modules in load order (a duplicate name: the first wins), and the retained names. */
public final class DesiredSet {
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(120);
    private final Map<String, NodeModule> modules = new LinkedHashMap<>();
    private final List<String> retained;

    public DesiredSet(NodeLivePatchSpec spec) {
        NodeLivePatchSpec s = spec == null ? new NodeLivePatchSpec() : spec;
        for (NodeModule m : s.getModules()) modules.putIfAbsent(m.getName(), m);
        retained = List.copyOf(s.getRetained());
    }

    public List<NodeModule> modules() { return new ArrayList<>(modules.values()); }

    public Set<String> names() { return modules.keySet(); }

    public Optional<NodeModule> entry(String name) { return Optional.ofNullable(modules.get(name)); }

    public List<String> retained() { return retained; }

    /** A failure sticks until this changes: a new build (sha256) or a new LivePatch generation. */
    public static String key(NodeModule m) { return m.getSource().getSha256() + "@" + m.getLivePatchGeneration(); }

    public static Duration stallTimeout(String text) { return KubeDuration.parse(text).orElse(DEFAULT_STALL_TIMEOUT); }

    public static OnStall onStall(OnStall o) { return o == null ? OnStall.Revert : o; }
}
