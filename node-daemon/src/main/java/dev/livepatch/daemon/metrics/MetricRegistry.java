package dev.livepatch.daemon.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The daemon's own metrics and their Prometheus text ({@link #scrape}): counters, gauges read when
 * scraped, histograms and summaries. Families print sorted by name, as Micrometer's registry did;
 * a family with no series yet prints nothing. Safe for concurrent updates and scrapes.
 */
public final class MetricRegistry {
    /** One family: its name (without {@code _total} for counters), help, type and its current samples. */
    interface Family {
        String type();
        String help();
        /** Writes this family's sample lines under {@code name}; returns false when it has none. */
        boolean samples(String name, StringBuilder out);
    }

    private final Map<String, Family> families = new TreeMap<>();

    /** A counter; its sample is {@code <name>_total}. */
    public Counter counter(String name, String help) {
        Counter c = new Counter();
        add(name + "_total", new Family() {
            public String type() { return "counter"; }
            public String help() { return help; }
            public boolean samples(String n, StringBuilder out) {
                TextFormat.sample(out, n, List.of(), c.value());
                return true;
            }
        });
        return c;
    }

    /** A counter whose value is read when scraped (e.g. the process's CPU time). */
    public void counter(String name, String help, DoubleSupplier value) {
        add(name + "_total", supplied("counter", help, List.of(List.of()), List.of(value)));
    }

    /** A gauge of one or more series, each a label list (names and values alternating) and its supplier. */
    public void gauge(String name, String help, List<List<String>> labels, List<DoubleSupplier> values) {
        add(name, supplied("gauge", help, labels, values));
    }

    public void gauge(String name, String help, DoubleSupplier value) {
        gauge(name, help, List.of(List.of()), List.of(value));
    }

    /** A histogram with these upper bounds (seconds), its series by label values in {@code labelNames}' order. */
    public Histogram histogram(String name, String help, List<String> labelNames, double... bounds) {
        Histogram h = new Histogram(labelNames, bounds);
        add(name, new Family() {
            public String type() { return "histogram"; }
            public String help() { return help; }
            public boolean samples(String n, StringBuilder out) { return h.write(n, out); }
        });
        return h;
    }

    /** A summary (count and sum only) written by {@code writer} when scraped: see {@link ProcessMeters}. */
    void summary(String name, String help, Consumer<StringBuilder> writer) {
        add(name, new Family() {
            public String type() { return "summary"; }
            public String help() { return help; }
            public boolean samples(String n, StringBuilder out) {
                int before = out.length();
                writer.accept(out);
                return out.length() > before;
            }
        });
    }

    public String scrape() {
        StringBuilder out = new StringBuilder(8192);
        synchronized (families) {
            families.forEach((name, f) -> {
                StringBuilder lines = new StringBuilder();
                if (!f.samples(name, lines)) return;
                TextFormat.family(out, name, f.help(), f.type());
                out.append(lines);
            });
        }
        return out.toString();
    }

    private void add(String name, Family f) {
        synchronized (families) {
            if (families.putIfAbsent(name, f) != null) throw new IllegalArgumentException("metric " + name + " is registered already");
        }
    }

    private static Family supplied(String type, String help, List<List<String>> labels, List<DoubleSupplier> values) {
        if (labels.size() != values.size()) throw new IllegalArgumentException("a label list for each value: " + labels.size() + " vs " + values.size());
        List<List<String>> copy = new ArrayList<>(labels);
        List<DoubleSupplier> suppliers = List.copyOf(values);
        return new Family() {
            public String type() { return type; }
            public String help() { return help; }
            public boolean samples(String n, StringBuilder out) {
                for (int i = 0; i < copy.size(); i++) TextFormat.sample(out, n, copy.get(i), suppliers.get(i).getAsDouble());
                return !copy.isEmpty();
            }
        };
    }

    /** A monotonic count; {@link #increment(double)} refuses a negative amount. */
    public static final class Counter {
        private final DoubleAdder value = new DoubleAdder();

        public void increment() { value.add(1); }

        public void increment(double amount) {
            if (amount < 0) throw new IllegalArgumentException("a counter only goes up: " + amount);
            value.add(amount);
        }

        public double value() { return value.sum(); }
    }
}
