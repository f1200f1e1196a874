package dev.livepatch.operator.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Makes JOSDK's meters ({@code operator.sdk.*}) what a Prometheus registry accepts and a reader
 * understands. JOSDK tags a resource's API group only when it has one, so a Node's meter and a
 * LivePatch's meter of one name have different label sets, and Prometheus' registry drops
 * whichever comes second: every meter that names a kind gets its group (empty for the core
 * group). JOSDK gives no help text: each family gets one.
 */
final class JosdkMeters implements MeterFilter {
    private static final String PREFIX = "operator.sdk.";
    private static final Map<String, String> HELP = Map.of(
            "events.received", "Events JOSDK received from its informers, by resource kind and action",
            "events.delete", "Delete events JOSDK received, by resource kind",
            "reconciliations.started", "Reconciliations JOSDK started, by resource kind and retry",
            "reconciliations.success", "Reconciliations that succeeded, by resource kind",
            "reconciliations.failed", "Reconciliations that failed, by resource kind and exception",
            "reconciliations.executions", "Reconciliations of this controller running now",
            "reconciliations.queue.size", "Reconciliations of this controller queued",
            "controllers.execution", "Controller executions (reconcile, cleanup) by controller, and their seconds");

    @Override
    public Meter.Id map(Meter.Id id) {
        if (!id.getName().startsWith(PREFIX)) {
            return id;
        }
        List<Tag> tags = new ArrayList<>(id.getTags());
        for (Tag t : id.getTags()) {
            if (t.getKey().endsWith("kind")) {
                String group = t.getKey().substring(0, t.getKey().length() - "kind".length()) + "group";
                if (id.getTag(group) == null) {
                    tags.add(Tag.of(group, ""));
                }
            }
        }
        String description = id.getDescription() != null && !id.getDescription().isBlank() ? id.getDescription() : help(id.getName());
        return new Meter.Id(id.getName(), Tags.of(tags), id.getBaseUnit(), description, id.getType());
    }

    private static String help(String name) {
        String rest = name.substring(PREFIX.length());
        return HELP.entrySet().stream().filter(e -> rest.startsWith(e.getKey())).map(Map.Entry::getValue).findFirst()
                .orElse("Java Operator SDK: " + rest);
    }
}
