package dev.livepatch.daemon.logging;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

import java.io.PrintStream;
import java.nio.charset.Charset;
import java.time.Instant;
import java.util.List;

/**
 * One logger of the daemon: lines at or above its threshold go to stdout as {@link LogLine}s, whole
 * (one write a line, so lines from threads do not interleave). The fluent API's key/value pairs
 * reach it as a {@link LoggingEvent}.
 */
final class DaemonLogger extends LegacyAbstractLogger implements LoggingEventAware {
    private final transient int threshold;
    private final transient PrintStream out;

    DaemonLogger(String name, int threshold, PrintStream out) {
        this.name = name;
        this.threshold = threshold;
        this.out = out;
    }

    @Override public boolean isTraceEnabled() { return enabled(Level.TRACE); }
    @Override public boolean isDebugEnabled() { return enabled(Level.DEBUG); }
    @Override public boolean isInfoEnabled() { return enabled(Level.INFO); }
    @Override public boolean isWarnEnabled() { return enabled(Level.WARN); }
    @Override public boolean isErrorEnabled() { return enabled(Level.ERROR); }

    private boolean enabled(Level level) { return level.toInt() >= threshold; }

    @Override
    protected String getFullyQualifiedCallerName() { return null; }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String message, Object[] args, Throwable thrown) {
        write(Instant.now(), level, message, args, List.of(), thrown);
    }

    @Override
    public void log(LoggingEvent event) {
        if (!enabled(event.getLevel())) return;
        Object[] args = event.getArgumentArray();
        Throwable thrown = event.getThrowable();
        if (thrown == null && args != null) {
            // As logback: a throwable last among the arguments is the event's throwable.
            thrown = MessageFormatter.getThrowableCandidate(args);
            if (thrown != null) args = MessageFormatter.trimmedCopy(args);
        }
        Instant at = event.getTimeStamp() > 0 ? Instant.ofEpochMilli(event.getTimeStamp()) : Instant.now();
        write(at, event.getLevel(), event.getMessage(), args, event.getKeyValuePairs(), thrown);
    }

    private void write(Instant at, Level level, String message, Object[] args, List<org.slf4j.event.KeyValuePair> pairs, Throwable thrown) {
        String text = args == null ? message : MessageFormatter.basicArrayFormat(message, args);
        byte[] line = LogLine.format(at, level, name, text, pairs, thrown).getBytes(Charset.defaultCharset());
        synchronized (out) {
            out.write(line, 0, line.length);
            out.flush();
        }
    }
}
