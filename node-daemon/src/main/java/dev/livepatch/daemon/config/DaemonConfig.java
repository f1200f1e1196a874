package dev.livepatch.daemon.config;

import dev.livepatch.api.values.KubeDuration;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The daemon's configuration, in one place: environment variables, each with its default and
 * description ({@link #KEYS}); parsed strictly into an immutable snapshot. Paths under the host are
 * given as the host sees them and resolved under {@code HOST_PREFIX}.
 */
public record DaemonConfig(String nodeName, Path hostPrefix, Path moduleCacheDir, Path stateFile, Path kmsgPath,
                           Duration unloadGrace, Duration poll, Duration resync, int httpPort,
                           Duration fetchTimeout, int fetchAttempts, Duration fetchBackoff, long maxModuleBytes,
                           Duration moduleCacheGrace, Duration hostLockWait, BootRestore bootRestore) {

    /**
     * The kubelet static pod that runs the boot restore (docs/design.md §5 rule 15), or none.
     *
     * @param staticPodDir the kubelet's static pod directory as the container sees it (under HOST_PREFIX); null: off
     * @param image        the daemon's own image, run by the pod's init container with {@code --restore}
     * @param pauseImage   the pod's one container, which only keeps the pod up
     * @param namespace    the namespace of the pod's mirror in the API server
     */
    public record BootRestore(Path staticPodDir, String image, String pauseImage, String namespace) {
        public boolean enabled() { return staticPodDir != null; }
    }

    /** A key: its default and what it is for. */
    public record Key(String env, String defaultValue, String description) {}

    public static final Map<String, Key> KEYS = keys(
            new Key("NODE_NAME", "", "this node's name (downward API spec.nodeName); the NodeLivePatch watched has it"),
            new Key("HOST_PREFIX", "/host", "where the host's root is mounted (/ when run on the host itself)"),
            new Key("MODULE_CACHE_DIR", "/var/lib/livepatch-operator/modules", "host dir of verified module files, by sha256"),
            new Key("STATE_FILE", "/var/lib/livepatch-operator/state.json", "host file of the daemon's records (managed patches, pending unloads)"),
            new Key("KMSG_PATH", "/dev/kmsg", "the kernel log device, as the daemon's container sees it"),
            new Key("UNLOAD_GRACE", "5m", "delay before rmmod of a retired, replaced or reverted module"),
            new Key("POLL_INTERVAL", "500ms", "the longest wait between two looks at a transition in flight (they start 2 ms apart and double)"),
            new Key("RESYNC_INTERVAL", "30s", "how often the kernel is checked against the spec without a spec change"),
            new Key("HTTP_PORT", "8080", "port of /healthz, /readyz and /metrics (0: none)"),
            new Key("MODULE_CACHE_GRACE", "", "how long a cached module file no spec or record names is kept (empty: UNLOAD_GRACE)"),
            new Key("FETCH_TIMEOUT", "30s", "connect timeout of a module url, and the most one whole GET (headers and body) may take"),
            new Key("FETCH_ATTEMPTS", "2", "attempts in all for a module url within one pass (transport errors, timeouts, 408, 429, 5xx); later passes retry with backoff"),
            new Key("FETCH_BACKOFF", "1s", "first wait between url attempts; doubles"),
            new Key("MAX_MODULE_BYTES", "67108864", "largest module file accepted"),
            new Key("HOST_LOCK_WAIT", "5m", "how long a pass waits for another process's pass on this host (the host lock in the state dir)"),
            new Key("BOOT_RESTORE_STATIC_POD_DIR", "", "host dir the kubelet reads static pods from: the daemon writes its boot restore pod there (empty: off)"),
            new Key("BOOT_RESTORE_IMAGE", "", "the daemon's image, for the boot restore pod's init container (needed with BOOT_RESTORE_STATIC_POD_DIR)"),
            new Key("BOOT_RESTORE_PAUSE_IMAGE", "registry.k8s.io/pause:3.10", "the boot restore pod's one container, which only keeps it up"),
            new Key("POD_NAMESPACE", "kube-system", "the daemon's namespace (downward API): the boot restore pod's mirror is shown there"));

    private static Map<String, Key> keys(Key... keys) {
        Map<String, Key> m = new LinkedHashMap<>();
        for (Key k : keys) m.put(k.env(), k);
        return Map.copyOf(m);
    }

    /** Parses the environment; every bad value is reported at once. */
    public static DaemonConfig fromEnv(Map<String, String> env) {
        List<String> errors = new ArrayList<>();
        Function<String, String> get = k -> {
            String v = env.get(k);
            return v == null || v.isBlank() ? KEYS.get(k).defaultValue() : v.strip();
        };
        Function<String, Duration> dur = k -> KubeDuration.parse(get.apply(k)).orElseGet(() -> {
            errors.add(k + "=" + get.apply(k) + ": not a duration (e.g. 30s, 5m)");
            return Duration.ZERO;
        });
        Function<String, Long> num = k -> {
            try {
                long n = Long.parseLong(get.apply(k));
                if (n < 0) throw new NumberFormatException();
                return n;
            } catch (NumberFormatException e) {
                errors.add(k + "=" + get.apply(k) + ": not a non-negative integer");
                return 0L;
            }
        };
        Path prefix = Path.of(get.apply("HOST_PREFIX"));
        if (!prefix.isAbsolute()) errors.add("HOST_PREFIX=" + prefix + ": must be absolute");
        DaemonConfig c = new DaemonConfig(get.apply("NODE_NAME"), prefix, underHost(prefix, get.apply("MODULE_CACHE_DIR")),
                underHost(prefix, get.apply("STATE_FILE")), Path.of(get.apply("KMSG_PATH")), dur.apply("UNLOAD_GRACE"),
                dur.apply("POLL_INTERVAL"), dur.apply("RESYNC_INTERVAL"), num.apply("HTTP_PORT").intValue(),
                dur.apply("FETCH_TIMEOUT"), num.apply("FETCH_ATTEMPTS").intValue(), dur.apply("FETCH_BACKOFF"),
                num.apply("MAX_MODULE_BYTES"), get.apply("MODULE_CACHE_GRACE").isEmpty() ? dur.apply("UNLOAD_GRACE") : dur.apply("MODULE_CACHE_GRACE"),
                dur.apply("HOST_LOCK_WAIT"), bootRestore(prefix, get, errors));
        if (c.poll().isZero()) errors.add("POLL_INTERVAL must be more than 0");
        if (c.resync().isZero()) errors.add("RESYNC_INTERVAL must be more than 0");
        if (!errors.isEmpty()) throw new IllegalArgumentException("bad configuration: " + String.join("; ", errors));
        return c;
    }

    private static BootRestore bootRestore(Path prefix, Function<String, String> get, List<String> errors) {
        String dir = get.apply("BOOT_RESTORE_STATIC_POD_DIR");
        if (dir.isEmpty()) return new BootRestore(null, "", get.apply("BOOT_RESTORE_PAUSE_IMAGE"), get.apply("POD_NAMESPACE"));
        if (!dir.startsWith("/")) errors.add("BOOT_RESTORE_STATIC_POD_DIR=" + dir + ": must be an absolute host path");
        if (get.apply("BOOT_RESTORE_IMAGE").isEmpty()) errors.add("BOOT_RESTORE_IMAGE is not set: the boot restore pod runs the daemon's image");
        return new BootRestore(underHost(prefix, dir), get.apply("BOOT_RESTORE_IMAGE"), get.apply("BOOT_RESTORE_PAUSE_IMAGE"), get.apply("POD_NAMESPACE"));
    }

    /** The host's path of {@code path} (one under HOST_PREFIX). */
    public String onHost(Path path) { return "/" + hostPrefix.relativize(path); }

    private static Path underHost(Path prefix, String hostPath) {
        return prefix.resolve(hostPath.startsWith("/") ? hostPath.substring(1) : hostPath);
    }
}
