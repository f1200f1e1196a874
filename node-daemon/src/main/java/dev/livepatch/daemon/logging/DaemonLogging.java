package dev.livepatch.daemon.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The daemon's logging: its own SLF4J provider, selected by the daemon's entry points with
 * {@link #select()} before the first logger ({@code -Dslf4j.provider} overrides), so no logging
 * framework is loaded at all. Structured {@code key=value} lines on stdout ({@link LogLine}),
 * Fabric8 at WARN, the rest at {@code LOG_LEVEL} (TRACE, DEBUG, INFO, WARN, ERROR or OFF; default
 * and anything else INFO). Registered under no service file: a class path that also holds the
 * operator's logback still gives the operator logback and the daemon this.
 */
public final class DaemonLogging implements SLF4JServiceProvider {
    /** Above every level: nothing is written. */
    static final int OFF = Integer.MAX_VALUE;

    private ILoggerFactory factory;
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    /** Selects this provider for SLF4J and keeps SLF4J's own notices below WARN off stderr. */
    public static void select() {
        System.getProperties().putIfAbsent("slf4j.provider", DaemonLogging.class.getName());
        System.getProperties().putIfAbsent("slf4j.internal.verbosity", "WARN");
    }

    @Override
    public void initialize() {
        int root = threshold(System.getProperty("LOG_LEVEL", System.getenv("LOG_LEVEL")));
        factory = loggers(root, System.out);
    }

    /** Loggers at {@code root}, those under {@code io.fabric8} at WARN whatever the root's, writing to {@code out}. */
    static ILoggerFactory loggers(int root, PrintStream out) {
        Map<String, Logger> loggers = new ConcurrentHashMap<>();
        return name -> loggers.computeIfAbsent(name, n ->
                new DaemonLogger(n, n.equals("io.fabric8") || n.startsWith("io.fabric8.") ? Level.WARN.toInt() : root, out));
    }

    /** The threshold a {@code LOG_LEVEL} value names, as logback read it (case aside; unknown or unset: INFO). */
    static int threshold(String level) {
        if (level == null) return Level.INFO.toInt();
        String l = level.strip().toUpperCase(Locale.ROOT);
        if (l.equals("OFF")) return OFF;
        if (l.equals("ALL")) return Level.TRACE.toInt();
        for (Level v : Level.values()) if (v.name().equals(l)) return v.toInt();
        return Level.INFO.toInt();
    }

    @Override public ILoggerFactory getLoggerFactory() { return factory; }
    @Override public IMarkerFactory getMarkerFactory() { return markers; }
    @Override public MDCAdapter getMDCAdapter() { return mdc; }
    @Override public String getRequestedApiVersion() { return "2.0.99"; }
}
