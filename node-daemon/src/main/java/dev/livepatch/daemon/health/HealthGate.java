package dev.livepatch.daemon.health;

import dev.livepatch.api.v1alpha1.HealthGateState;
import dev.livepatch.api.v1alpha1.HealthGateStatus;
import dev.livepatch.api.values.KubeDuration;
import dev.livepatch.daemon.kernel.KmsgEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The health gates of one patch (docs/design.md §5 rule 13), a pure function from its watch and one look
 * at the kernel to the watch after that look. A gate fails on a kernel log line logged after the load's
 * "livepatch: enabling patch" line that is an oops, {@code BUG:}, {@code WARNING:} or an RCU-tasks stall
 * warning, or on a taint bit set since the load other than those a livepatch's load sets itself
 * ({@link #LOAD_TAINTS}). The bake starts when the patch is first seen enabled and out of transition;
 * when it is over with every gate holding the watch has passed. Passed and Failed are final.
 */
public final class HealthGate {
    public static final int MAX_LINES = HealthGateStatus.MAX_LINES;
    public static final int MAX_LINE_CHARS = HealthGateStatus.MAX_LINE_CHARS;
    /** The taints a livepatch's own load sets: O (12, out-of-tree module), E (13, unsigned module), K (15, livepatch). */
    public static final long LOAD_TAINTS = (1L << 12) | (1L << 13) | (1L << 15);
    private static final String FLAGS = "PFSRMBUDAWCIOELKXTN";

    /**
     * One look at the kernel.
     *
     * @param events  kernel log lines read since the last look (any order of arrival; their sequence numbers order them)
     * @param taint   the taint mask now; null when it could not be read
     * @param enabled the patch is enabled and out of transition
     */
    public record Look(List<KmsgEvent> events, Long taint, boolean enabled, Instant now) {
        public Look {
            events = List.copyOf(events);
        }
    }

    private HealthGate() {}

    public static GateWatch observe(GateWatch w, Look look) {
        if (!w.watching()) return w;
        Long enabling = w.enablingSeq();
        for (KmsgEvent e : look.events()) {
            if (e.kind() == KmsgEvent.Kind.ENABLING && w.patch().equals(e.patch()) && (enabling == null || e.sequence() > enabling)) {
                enabling = e.sequence();
            }
        }
        List<String> lines = new ArrayList<>();
        if (enabling != null) {
            long after = enabling;
            look.events().stream().filter(e -> e.kind().unhealthy() && e.sequence() > after)
                    .sorted(java.util.Comparator.comparingLong(KmsgEvent::sequence)).forEach(e -> add(lines, e.message()));
        }
        long fresh = newTaints(w.taintAtLoad(), look.taint());
        if (fresh != 0) add(lines, "kernel taint " + look.taint() + " since the load (was " + w.taintAtLoad() + "): new " + describe(fresh));
        String now = look.now().toString();
        if (!lines.isEmpty()) {
            return new GateWatch(w.patch(), w.livePatch(), w.sha256(), w.bake(), w.onUnhealthy(), w.taintAtLoad(), enabling, w.bakeUntil(),
                    HealthGateState.Failed, now, lines);
        }
        String until = w.bakeUntil();
        if (until == null && look.enabled()) until = look.now().plus(bake(w)).toString();
        HealthGateState state = until != null && !look.now().isBefore(Instant.parse(until)) ? HealthGateState.Passed : HealthGateState.Watching;
        return new GateWatch(w.patch(), w.livePatch(), w.sha256(), w.bake(), w.onUnhealthy(), w.taintAtLoad(), enabling, until, state,
                state == w.state() ? w.since() : now, List.of());
    }

    /** Taint bits set now and not at the load, but for {@link #LOAD_TAINTS}; 0 when either is unknown. */
    public static long newTaints(Long atLoad, Long now) {
        if (atLoad == null || now == null) return 0;
        return now & ~atLoad & ~LOAD_TAINTS;
    }

    /** "W (9: kernel warning)"-style names of the bits of {@code mask}, as the kernel's taint letters have them. */
    static String describe(long mask) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((mask & (1L << bit)) == 0) continue;
            out.add((bit < FLAGS.length() ? FLAGS.charAt(bit) + " " : "") + "(bit " + bit + ")");
        }
        return "taint " + String.join(", ", out);
    }

    public static Duration bake(GateWatch w) { return KubeDuration.parse(w.bake()).orElse(Duration.ZERO); }

    private static void add(List<String> lines, String line) {
        if (lines.size() < MAX_LINES) lines.add(line.length() <= MAX_LINE_CHARS ? line : line.substring(0, MAX_LINE_CHARS - 1) + "…");
    }
}
