package dev.livepatch.daemon.kernel;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel log line the daemon recognises (docs/design.md §4.1): the livepatch core's messages and the RCU
 * tasks grace-period warning that long transitions cause.
 *
 * @param patch the patch named in the line, null for lines that name none
 */
public record KmsgEvent(Kind kind, String patch, long sequence, String message) {
    public enum Kind { ENABLING, PATCHING_STARTED, UNPATCHING_STARTED, PATCHING_COMPLETE, UNPATCHING_COMPLETE, SIGNALING, FORCING, RCU_TASKS_STALL }

    private static final Pattern RECORD = Pattern.compile("^(\\d+),(\\d+),(\\d+),[^;]*;(.*)$");
    private static final Pattern ENABLING = Pattern.compile("livepatch: enabling patch '([^']+)'");
    private static final Pattern STARTING = Pattern.compile("livepatch: '([^']+)': starting (patching|unpatching) transition");
    private static final Pattern COMPLETE = Pattern.compile("livepatch: '([^']+)': (patching|unpatching) complete");
    /** 6.1: "grace period 1046 is 10088 jiffies old."; 6.2+ (commit "Make grace-period-age message human-readable"): "grace period number 1046 (since boot) is ...". */
    private static final Pattern RCU = Pattern.compile("rcu_tasks_wait_gp: rcu_tasks grace period (number )?\\d+ (\\(since boot\\) )?is \\d+ jiffies old");

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
        return Optional.empty();
    }

    /** The timestamp (microseconds since boot) of a record, or -1 when malformed. */
    public static long timestampMicros(String record) {
        Matcher r = RECORD.matcher(record.strip());
        return r.matches() ? Long.parseLong(r.group(3)) : -1;
    }
}
