package dev.livepatch.daemon.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.Chars;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The daemon's lines, byte for byte those of the logback layout it replaced (logback is on the test class path only). */
class DaemonLoggingTest {
    /** The pattern the daemon's logback configuration had. */
    private static final String LOGBACK_PATTERN = "ts=%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} level=%level logger=%logger{0} msg=\"%msg\" %kvp{DOUBLE}%n%ex";

    @Test
    void aLineWithKeyValuesAndATraceWithCauseAndSuppressedIsLogbacksLine() {
        IOException cause = new IOException("disk \"gone\"");
        IllegalStateException thrown = new IllegalStateException("load failed", cause);
        thrown.addSuppressed(new UncheckedIOException("cleanup", new IOException()));
        List<KeyValuePair> pairs = List.of(new KeyValuePair("patch", "lp_a"), new KeyValuePair("error", null), new KeyValuePair("n", 3));
        assertSame(Instant.parse("2026-12-01T23:04:05.678Z"), Level.WARN, "dev.livepatch.daemon.converge.Actor", "acting on {}", pairs, thrown);
        assertSame(Instant.parse("2026-01-01T00:00:00Z"), Level.INFO, "Main", "no pairs", List.of(), null);
        assertSame(Instant.parse("2026-01-01T00:00:00.001Z"), Level.ERROR, "x.Y", null, List.of(), new RuntimeException());
    }

    @Property(tries = 200)
    void anyMessageAndPairsPrintAsLogbackPrintedThem(@ForAll @Chars({' ', '"', '=', '{', '}', '\\', '\t'}) @AlphaChars @NumericChars String message,
                                                     @ForAll @AlphaChars String key, @ForAll @Chars({' ', '"', '\n'}) @AlphaChars String value,
                                                     @ForAll Level level) {
        assertSame(Instant.parse("2026-06-30T12:34:56.789Z"), level, "io.fabric8.kubernetes.Client", message,
                List.of(new KeyValuePair(key, value)), null);
    }

    @Test
    void theFluentApiPairsFormattingAndThresholdsReachTheLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, Charset.defaultCharset());
        var loggers = DaemonLogging.loggers(Level.INFO.toInt(), out);
        Logger main = loggers.getLogger("dev.livepatch.daemon.Main");
        main.atInfo().addKeyValue("node", "n1").addKeyValue("generation", 4).log("converged {} of {}", 2, 3);
        main.debug("not written");
        main.atWarn().setCause(new IllegalStateException("boom")).log("failed");
        main.warn("failed again {}", "x", new IllegalArgumentException("last argument"));
        loggers.getLogger("io.fabric8.kubernetes.client.Watcher").info("not written: Fabric8 is at WARN");
        loggers.getLogger("io.fabric8.kubernetes.client.Watcher").warn("written");
        List<String> lines = bytes.toString(Charset.defaultCharset()).lines().filter(l -> l.startsWith("ts=")).map(l -> l.substring(l.indexOf(' ') + 1)).toList();
        assertThat(lines).containsExactly(
                "level=INFO logger=Main msg=\"converged 2 of 3\" node=\"n1\" generation=\"4\"",
                "level=WARN logger=Main msg=\"failed\" ",
                "level=WARN logger=Main msg=\"failed again x\" ",
                "level=WARN logger=Watcher msg=\"written\" ");
        assertThat(bytes.toString(Charset.defaultCharset())).contains("java.lang.IllegalStateException: boom" + System.lineSeparator() + "\tat ")
                .contains("java.lang.IllegalArgumentException: last argument");
        assertThat(bytes.toString(Charset.defaultCharset())).matches("(?s)ts=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z level=INFO .*");
    }

    @Test
    void logLevelIsReadAsLogbackReadIt() {
        assertThat(DaemonLogging.threshold(null)).isEqualTo(Level.INFO.toInt());
        assertThat(DaemonLogging.threshold("debug")).isEqualTo(Level.DEBUG.toInt());
        assertThat(DaemonLogging.threshold(" WARN ")).isEqualTo(Level.WARN.toInt());
        assertThat(DaemonLogging.threshold("ALL")).isEqualTo(Level.TRACE.toInt());
        assertThat(DaemonLogging.threshold("verbose")).as("unknown: INFO").isEqualTo(Level.INFO.toInt());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        var off = DaemonLogging.loggers(DaemonLogging.threshold("off"), new PrintStream(bytes, true));
        off.getLogger("Main").error("not written");
        off.getLogger("io.fabric8.Client").warn("Fabric8 stays at WARN");
        assertThat(bytes.toString()).doesNotContain("not written").contains("Fabric8 stays at WARN");
    }

    private static void assertSame(Instant at, Level level, String logger, String message, List<KeyValuePair> pairs, Throwable thrown) {
        LoggerContext context = new LoggerContext();
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern(LOGBACK_PATTERN);
        layout.start();
        ch.qos.logback.classic.spi.LoggingEvent event = new ch.qos.logback.classic.spi.LoggingEvent(DaemonLoggingTest.class.getName(),
                context.getLogger(logger), ch.qos.logback.classic.Level.toLevel(level.name()), message, thrown, null);
        event.setInstant(at);
        event.setKeyValuePairs(new ArrayList<>(pairs));
        assertThat(LogLine.format(at, level, logger, message, pairs, thrown)).isEqualTo(layout.doLayout(event));
    }
}
