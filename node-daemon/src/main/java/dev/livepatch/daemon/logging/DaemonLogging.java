package dev.livepatch.daemon.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The daemon's logging, configured in code when its {@code Main} selects it by name
 * ({@code logback.configurationFile=livepatch-node-daemon-logback.xml}, which no file carries):
 * structured {@code key=value} lines on stdout, Fabric8 at WARN, the root at {@code LOG_LEVEL}
 * (default INFO). Built here rather than read from XML, logback loads no XML parser nor its Joran
 * configurator (about 490 classes, a tenth of what the daemon loads) before the first kernel read.
 * Any other {@code logback.configurationFile} (another process on the same class path, or a file an
 * operator of the node names with {@code -D}) is left to logback's own configurators.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class DaemonLogging extends ContextAwareBase implements Configurator {
    /** The name the daemon's {@code Main} sets; no resource of this name exists. */
    public static final String SELECTOR = "livepatch-node-daemon-logback.xml";
    static final String PATTERN = "ts=%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} level=%level logger=%logger{0} msg=\"%msg\" %kvp{DOUBLE}%n%ex";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (!SELECTOR.equals(System.getProperty("logback.configurationFile"))) return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
        stdout.setContext(context);
        stdout.setName("STDOUT");
        stdout.setEncoder(encoder);
        stdout.start();
        context.getLogger("io.fabric8").setLevel(Level.WARN);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        String level = System.getProperty("LOG_LEVEL", System.getenv("LOG_LEVEL"));
        root.setLevel(Level.toLevel(level, Level.INFO));
        root.addAppender(stdout);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
