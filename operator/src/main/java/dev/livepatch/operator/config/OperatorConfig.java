package dev.livepatch.operator.config;

import dev.livepatch.api.values.KubeDuration;
import dev.livepatch.operator.rollout.PacingPolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The operator's configuration: every setting in one place with its environment variable, default
 * and meaning ({@link Setting}); parsed strictly into an immutable snapshot. A bad value stops
 * the operator at start with a message naming the variable.
 */
public record OperatorConfig(String fieldManager, boolean leaderElection, boolean exitOnLostLease, String leaseName, String leaseNamespace,
                             String identity, String eventNamespace, int httpPort, Duration resync, Duration eventInterval, PacingPolicy pacing) {

    public enum Setting {
        FIELD_MANAGER("LIVEPATCH_FIELD_MANAGER", "livepatch-operator", "Field manager of what the operator writes"),
        LEADER_ELECTION("LIVEPATCH_LEADER_ELECTION", "true", "Elect one active replica through a Lease"),
        EXIT_ON_LOST_LEASE("LIVEPATCH_EXIT_ON_LOST_LEASE", "true", "Exit the process when leadership is lost (the pod restarts clean); false for embedding in tests"),
        LEASE_NAME("LIVEPATCH_LEASE_NAME", "livepatch-operator", "Name of the leader-election Lease"),
        LEASE_NAMESPACE("LIVEPATCH_LEASE_NAMESPACE", "livepatch-system", "Namespace of the Lease (the chart sets the pod's namespace)"),
        IDENTITY("LIVEPATCH_IDENTITY", "", "This replica's leader-election identity; empty: HOSTNAME, else a random id"),
        EVENT_NAMESPACE("LIVEPATCH_EVENT_NAMESPACE", "default", "Namespace of the Events recorded on cluster-scoped LivePatches"),
        HTTP_PORT("LIVEPATCH_HTTP_PORT", "8080", "Port of /metrics, /healthz and /readyz; 0 picks a free port, -1 disables"),
        RESYNC("LIVEPATCH_RESYNC", "60s", "Longest time between two reconciles of a LivePatch"),
        EVENT_INTERVAL("LIVEPATCH_EVENT_INTERVAL", "10s", "Shortest time between two writes of one aggregated Event (one per LivePatch and reason, with a count)"),
        SLOW_TRANSITION("LIVEPATCH_SLOW_TRANSITION", "30s", "A kernel transition longer than this slows the rollout down"),
        RECOVERY_TRANSITIONS("LIVEPATCH_RECOVERY_TRANSITIONS", "3", "Clean transitions after a trouble that restore the spec's pacing"),
        SLOWED_MIN_INTERVAL("LIVEPATCH_SLOWED_MIN_INTERVAL", "30s", "Interval a slowed rollout starts from when the spec's is shorter"),
        MAX_SLOWED_INTERVAL("LIVEPATCH_MAX_SLOWED_INTERVAL", "10m", "Bound of the growing interval of a slowed rollout"),
        STALL_MEMORY("LIVEPATCH_STALL_MEMORY", "1h", "Transitions older than this no longer affect pacing");

        public final String env;
        public final String defaultValue;
        public final String description;

        Setting(String env, String defaultValue, String description) {
            this.env = env;
            this.defaultValue = defaultValue;
            this.description = description;
        }
    }

    public static OperatorConfig defaults() {
        return fromEnv(Map.of());
    }

    /** From environment variables (or any map of them); missing ones take their defaults. */
    public static OperatorConfig fromEnv(Map<String, String> env) {
        Map<Setting, String> v = new LinkedHashMap<>();
        for (Setting s : Setting.values()) {
            v.put(s, env.getOrDefault(s.env, s.defaultValue).trim());
        }
        String identity = v.get(Setting.IDENTITY).isEmpty() ? env.getOrDefault("HOSTNAME", "livepatch-operator-" + UUID.randomUUID()) : v.get(Setting.IDENTITY);
        return new OperatorConfig(
                v.get(Setting.FIELD_MANAGER),
                parse(v, Setting.LEADER_ELECTION, OperatorConfig::bool),
                parse(v, Setting.EXIT_ON_LOST_LEASE, OperatorConfig::bool),
                v.get(Setting.LEASE_NAME),
                v.get(Setting.LEASE_NAMESPACE),
                identity,
                v.get(Setting.EVENT_NAMESPACE),
                parse(v, Setting.HTTP_PORT, Integer::parseInt),
                parse(v, Setting.RESYNC, KubeDuration::parseValid),
                parse(v, Setting.EVENT_INTERVAL, KubeDuration::parseValid),
                new PacingPolicy(parse(v, Setting.SLOW_TRANSITION, KubeDuration::parseValid),
                        parse(v, Setting.RECOVERY_TRANSITIONS, Integer::parseInt),
                        parse(v, Setting.SLOWED_MIN_INTERVAL, KubeDuration::parseValid),
                        parse(v, Setting.MAX_SLOWED_INTERVAL, KubeDuration::parseValid),
                        parse(v, Setting.STALL_MEMORY, KubeDuration::parseValid)));
    }

    private static boolean bool(String s) {
        if (!s.equals("true") && !s.equals("false")) {
            throw new IllegalArgumentException("expected true or false");
        }
        return Boolean.parseBoolean(s);
    }

    private static <T> T parse(Map<Setting, String> v, Setting s, Function<String, T> parser) {
        try {
            return parser.apply(v.get(s));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("failed to read " + s.env + "='" + v.get(s) + "': " + e.getMessage() + " (" + s.description + ")", e);
        }
    }
}
