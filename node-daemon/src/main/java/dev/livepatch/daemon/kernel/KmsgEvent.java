package dev.livepatch.daemon.kernel;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel log line the daemon recognises (docs/design.md §4.1): the livepatch core's messages, the RCU
 * tasks grace-period warning that long transitions cause, and the lines of a kernel in trouble the health
 * gates watch for (an oops, {@code BUG:}, {@code WARNING:}; docs/design.md §5 rule 13).
 *
 * @param patch the patch named in the line, null for lines that name none
 */
public record KmsgEvent(Kind kind, String patch, long sequence, String message) {
    public enum Kind { ENABLING, PATCHING_STARTED, UNPATCHING_STARTED, PATCHING_COMPLETE, UNPATCHING_COMPLETE, SIGNALING, FORCING, RCU_TASKS_STALL, OOPS, BUG, WARNING;

        /** A line that fails a health gate. */
        public boolean unhealthy() { return this == RCU_TASKS_STALL || this == OOPS || this == BUG || this == WARNING; }
    }

    private static final Pattern RECORD = Pattern.compile("^(\\d+),(\\d+),(\\d+),[^;]*;(.*)$");
    private static final Pattern ENABLING = Pattern.compile("livepatch: enabling patch '([^']+)'");
    private static final Pattern STARTING = Pattern.compile("livepatch: '([^']+)': starting (patching|unpatching) transition");
    private static final Pattern COMPLETE = Pattern.compile("livepatch: '([^']+)': (patching|unpatching) complete");
    /** 6.1: "grace period 1046 is 10088 jiffies old."; 6.2+ (commit "Make grace-period-age message human-readable"): "grace period number 1046 (since boot) is ...". */
    private static final Pattern RCU = Pattern.compile("rcu_tasks_wait_gp: rcu_tasks grace period (number )?\\d+ (\\(since boot\\) )?is \\d+ jiffies old"
            + "|INFO: rcu_tasks detected stalls on tasks");
    /** "Oops: 0002 [#1] SMP" (before 6.x "general protection fault: 0000 [#1]", on 6.x "Oops: general protection fault, ..."). */
    private static final Pattern OOPS = Pattern.compile("^(Oops\\b|general protection fault\\b|Kernel panic - )");
    private static final Pattern BUG = Pattern.compile("^(BUG: |kernel BUG at )");
    private static final Pattern WARNING = Pattern.compile("^WARNING: ");

    /** Parses one /dev/kmsg record ("pri,seq,ts_usec,flags;message"); empty for records of no interest or malformed ones. */
    public static Optional<KmsgEvent> parse(String record) {
        Matcher r = RECORD.matcher(record.strip());
        if (!r.matches()) return Optional.empty();
        long seq = Long.parseLong(r.group(2));
        String msg = r.group(4);
        Matcher m;
        if ((m = ENABLING.matcher(msg)).find()) return Optional.of(new KmsgEvent(Kind.ENABLING, m.group(1), seq, msg));
        if ((m = STARTING.matcher(msg)).find()) {
            return Optional.of(new KmsgEvent(m.group(2).equals("patching") ? Kind.PATCHING_STARTED : Kind.UNPATCHING_STARTED, m.group(1), seq, msg));
        }
        if ((m = COMPLETE.matcher(msg)).find()) {
            return Optional.of(new KmsgEvent(m.group(2).equals("patching") ? Kind.PATCHING_COMPLETE : Kind.UNPATCHING_COMPLETE, m.group(1), seq, msg));
        }
        if (msg.contains("livepatch: signaling remaining tasks")) return Optional.of(new KmsgEvent(Kind.SIGNALING, null, seq, msg));
        if (msg.contains("livepatch: forcing remaining tasks to the patched state")) return Optional.of(new KmsgEvent(Kind.FORCING, null, seq, msg));
        if (RCU.matcher(msg).find()) return Optional.of(new KmsgEvent(Kind.RCU_TASKS_STALL, null, seq, msg));
        if (OOPS.matcher(msg).find()) return Optional.of(new KmsgEvent(Kind.OOPS, null, seq, msg));
        if (BUG.matcher(msg).find()) return Optional.of(new KmsgEvent(Kind.BUG, null, seq, msg));
        if (WARNING.matcher(msg).find()) return Optional.of(new KmsgEvent(Kind.WARNING, null, seq, msg));
        return Optional.empty();
    }

    /** The timestamp (microseconds since boot) of a record, or -1 when malformed. */
    public static long timestampMicros(String record) {
        Matcher r = RECORD.matcher(record.strip());
        return r.matches() ? Long.parseLong(r.group(3)) : -1;
    }
}
