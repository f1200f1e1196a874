package dev.livepatch.daemon.metrics;

import java.util.List;

/**
 * Prometheus' text exposition format 0.0.4: {@code # HELP} and {@code # TYPE} lines, then one line a
 * sample ({@code name{label="value",...} value}). Label values escape backslash, double quote and
 * newline; help text escapes backslash and newline. Values print as Micrometer printed them: doubles
 * as Java does ({@code 2.0}, {@code 4.8234496E7}), counts of histograms and summaries as integers,
 * and {@code +Inf}, {@code -Inf}, {@code NaN}.
 */
public final class TextFormat {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private TextFormat() {}

    public static void family(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ');
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            if (c == '\\') out.append("\\\\");
            else if (c == '\n') out.append("\\n");
            else out.append(c);
        }
        out.append("\n# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** One sample; {@code labels} alternate names and values. */
    public static void sample(StringBuilder out, String name, List<String> labels, double value) {
        labels(out.append(name), labels);
        out.append(' ').append(number(value)).append('\n');
    }

    public static void sample(StringBuilder out, String name, List<String> labels, long count) {
        labels(out.append(name), labels);
        out.append(' ').append(count).append('\n');
    }

    static String number(double v) {
        if (v == Double.POSITIVE_INFINITY) return "+Inf";
        if (v == Double.NEGATIVE_INFINITY) return "-Inf";
        return Double.isNaN(v) ? "NaN" : Double.toString(v);
    }

    private static void labels(StringBuilder out, List<String> labels) {
        if (labels.isEmpty()) return;
        out.append('{');
        for (int i = 0; i < labels.size(); i += 2) {
            if (i > 0) out.append(',');
            out.append(labels.get(i)).append("=\"");
            String v = labels.get(i + 1);
            for (int j = 0; j < v.length(); j++) {
                char c = v.charAt(j);
                switch (c) {
                    case '\\' -> out.append("\\\\");
                    case '"' -> out.append("\\\"");
                    case '\n' -> out.append("\\n");
                    default -> out.append(c);
                }
            }
            out.append('"');
        }
        out.append('}');
    }
}
