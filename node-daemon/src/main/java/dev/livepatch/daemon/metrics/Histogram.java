package dev.livepatch.daemon.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Prometheus histogram: for each label set, cumulative {@code _bucket{le=..}} counts up to
 * {@code +Inf}, {@code _count} and {@code _sum}. A label set's series appear once it has an
 * observation, as Micrometer's timers did.
 */
public final class Histogram {
    private final List<String> labelNames;
    private final double[] bounds;
    private final Map<List<String>, Series> series = new TreeMap<>(Histogram::compare);

    Histogram(List<String> labelNames, double... bounds) {
        this.labelNames = List.copyOf(labelNames);
        this.bounds = bounds.clone();
        for (int i = 0; i < bounds.length; i++) {
            if (!(bounds[i] > (i == 0 ? Double.NEGATIVE_INFINITY : bounds[i - 1])) || Double.isInfinite(bounds[i])) {
                throw new IllegalArgumentException("bucket bounds must be finite and increasing: " + Arrays.toString(bounds));
            }
        }
    }

    /** Records one observation for the series of these label values (in the order of the names given). */
    public void observe(double value, String... labelValues) {
        if (labelValues.length != labelNames.size()) {
            throw new IllegalArgumentException("labels " + labelNames + " need " + labelNames.size() + " values, got " + Arrays.toString(labelValues));
        }
        synchronized (series) {
            series.computeIfAbsent(List.of(labelValues), k -> new Series(bounds.length)).add(bounds, value);
        }
    }

    boolean write(String name, StringBuilder out) {
        synchronized (series) {
            series.forEach((values, s) -> {
                List<String> labels = new ArrayList<>();
                for (int i = 0; i < labelNames.size(); i++) {
                    labels.add(labelNames.get(i));
                    labels.add(values.get(i));
                }
                long cumulative = 0;
                for (int i = 0; i <= bounds.length; i++) {
                    cumulative += s.buckets[i];
                    List<String> withLe = new ArrayList<>(labels);
                    withLe.add("le");
                    withLe.add(i < bounds.length ? TextFormat.number(bounds[i]) : "+Inf");
                    TextFormat.sample(out, name + "_bucket", withLe, cumulative);
                }
                TextFormat.sample(out, name + "_count", labels, s.count);
                TextFormat.sample(out, name + "_sum", labels, s.sum);
            });
            return !series.isEmpty();
        }
    }

    private static int compare(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) return c;
        }
        return Integer.compare(a.size(), b.size());
    }

    private static final class Series {
        /** Observations in each bucket alone (not cumulative); the last is above every bound. */
        final long[] buckets;
        long count;
        double sum;

        Series(int bounds) { buckets = new long[bounds + 1]; }

        void add(double[] bounds, double value) {
            int i = 0;
            while (i < bounds.length && value > bounds[i]) i++;
            buckets[i]++;
            count++;
            sum += value;
        }
    }
}
