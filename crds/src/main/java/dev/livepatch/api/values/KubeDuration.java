package dev.livepatch.api.values;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Kubernetes objects write them (Go's {@code time.ParseDuration} subset the CRD
 * allows): one or more {@code <digits><unit>} parts, unit {@code ms}, {@code s}, {@code m} or {@code h},
 * such as {@code 30s}, {@code 1m30s}, {@code 500ms}.
 */
public final class KubeDuration {
    private static final Pattern WHOLE = Pattern.compile("^([0-9]{1,6}(ms|s|m|h))+$");
    private static final Pattern PART = Pattern.compile("([0-9]{1,6})(ms|s|m|h)");

    private KubeDuration() {}

    /** The duration, or empty when the text is not a duration the CRD accepts. */
    public static Optional<Duration> parse(String text) {
        if (text == null || !WHOLE.matcher(text).matches()) {
            return Optional.empty();
        }
        Duration total = Duration.ZERO;
        Matcher part = PART.matcher(text);
        while (part.find()) {
            long n = Long.parseLong(part.group(1));
            total = total.plus(switch (part.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
        }
        return Optional.of(total);
    }

    /** For values the schema has already validated; throws on text it would have rejected. */
    public static Duration parseValid(String text) {
        return parse(text).orElseThrow(() -> new IllegalArgumentException("not a duration: '" + text + "' (expected e.g. 30s, 1m30s, 500ms)"));
    }

    /** Kubernetes' own spelling: 90s prints as 1m30s, 0 as 0s. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long hours = d.toHours();
        int minutes = d.toMinutesPart();
        int seconds = d.toSecondsPart();
        int millis = d.toMillisPart();
        if (hours > 0) out.append(hours).append('h');
        if (minutes > 0) out.append(minutes).append('m');
        if (seconds > 0) out.append(seconds).append('s');
        if (millis > 0) out.append(millis).append("ms");
        return out.toString();
    }
}
