package dev.livepatch.daemon.logging;

import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The daemon's log line: {@code ts=<UTC, ms> level=<LEVEL> logger=<simple name> msg="<message>" k="v" ...},
 * then the throwable's trace as logback printed it ({@code Caused by: }, {@code Suppressed: } a tab
 * deeper, {@code ... n common frames omitted}). The e2e scripts and tests grep these lines.
 */
final class LogLine {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
    private static final String NL = System.lineSeparator();

    private LogLine() {}

    static String format(Instant at, Level level, String logger, String message, List<KeyValuePair> pairs, Throwable thrown) {
        StringBuilder out = new StringBuilder(160);
        out.append("ts=").append(TS.format(at)).append(" level=").append(level).append(" logger=")
                .append(logger.substring(logger.lastIndexOf('.') + 1)).append(" msg=\"").append(message).append("\" ");
        if (pairs != null) {
            for (int i = 0; i < pairs.size(); i++) {
                if (i > 0) out.append(' ');
                out.append(pairs.get(i).key).append("=\"").append(pairs.get(i).value).append('"');
            }
        }
        out.append(NL);
        if (thrown != null) trace(out, null, 1, thrown, new StackTraceElement[0], java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
        return out.toString();
    }

    private static void trace(StringBuilder out, String prefix, int indent, Throwable t, StackTraceElement[] enclosing, Set<Throwable> seen) {
        tabs(out, indent - 1);
        if (prefix != null) out.append(prefix);
        if (!seen.add(t)) {
            out.append("[CIRCULAR REFERENCE: ").append(t.getClass().getName()).append(": ").append(t.getMessage()).append(']').append(NL);
            return;
        }
        out.append(t.getClass().getName()).append(": ").append(t.getMessage()).append(NL);
        StackTraceElement[] frames = t.getStackTrace();
        int common = commonFrames(frames, enclosing);
        for (int i = 0; i < frames.length - common; i++) {
            tabs(out, indent);
            out.append("at ").append(frames[i]).append(NL);
        }
        if (common > 0) {
            tabs(out, indent);
            out.append("... ").append(common).append(" common frames omitted").append(NL);
        }
        for (Throwable s : t.getSuppressed()) trace(out, "Suppressed: ", indent + 1, s, frames, seen);
        if (t.getCause() != null) trace(out, "Caused by: ", indent, t.getCause(), frames, seen);
    }

    /** Frames this trace shares, from its end, with the one it is the cause or a suppressed of. */
    private static int commonFrames(StackTraceElement[] frames, StackTraceElement[] enclosing) {
        int n = 0;
        for (int i = frames.length - 1, j = enclosing.length - 1; i >= 0 && j >= 0 && frames[i].equals(enclosing[j]); i--, j--) n++;
        return n;
    }

    private static void tabs(StringBuilder out, int n) {
        for (int i = 0; i < n; i++) out.append('\t');
    }
}
