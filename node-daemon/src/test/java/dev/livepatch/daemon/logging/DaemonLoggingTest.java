package dev.livepatch.daemon.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

import static org.assertj.core.api.Assertions.assertThat;

class DaemonLoggingTest {
    private final String before = System.getProperty("logback.configurationFile");

    @AfterEach
    void restore() {
        if (before == null) System.clearProperty("logback.configurationFile");
        else System.setProperty("logback.configurationFile", before);
    }

    @Test
    void selectedByNameItWritesTheStructuredLayoutToStdoutWithFabric8AtWarn() {
        System.setProperty("logback.configurationFile", DaemonLogging.SELECTOR);
        LoggerContext context = new LoggerContext();
        assertThat(new DaemonLogging().configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(System.getenv("LOG_LEVEL") == null ? Level.INFO : Level.toLevel(System.getenv("LOG_LEVEL")));
        assertThat(context.getLogger("io.fabric8").getLevel()).isEqualTo(Level.WARN);
        assertThat(root.getAppender("STDOUT")).isInstanceOfSatisfying(ConsoleAppender.class, a -> {
            assertThat(a.isStarted()).isTrue();
            assertThat(((PatternLayoutEncoder) a.getEncoder()).getPattern()).startsWith("ts=").contains("%kvp{DOUBLE}");
        });
    }

    @Test
    void anyOtherConfigurationIsLeftToLogback() {
        System.setProperty("logback.configurationFile", "livepatch-operator-logback.xml");
        LoggerContext context = new LoggerContext();
        assertThat(new DaemonLogging().configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT")).isNull();
    }
}
