package dev.livepatch.operator.write;

import dev.livepatch.api.v1alpha1.LivePatch;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on a LivePatch ({@code kubectl describe lp}), aggregated as Kubernetes' own
 * event recorder does: one Event per LivePatch, type and reason, whose {@code count},
 * {@code lastTimestamp} and {@code message} (the latest) grow with each occurrence; at most one
 * write per Event per {@code interval}. The first occurrence is written at once (on the flusher's
 * thread, so that no reconcile waits for it); later ones within
 * the interval are held and written by {@link #flush} (every interval). A persistent error thus
 * costs one write per interval, not a new Event per failed reconcile. LivePatches are
 * cluster-scoped, so their events live in a configured namespace, as the API server does for Nodes.
 * A failed event write is logged, never fails a reconcile. Held in memory only: after a restart the
 * next occurrence starts a new Event.
 */
public final class EventRecorder implements EventSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    private static final int MAX_MESSAGE = 1024;

    private record Key(String livePatch, String type, String reason) {}

    private static final class Aggregate {
        LivePatch lp;
        String name;
        int count;
        int writtenCount;
        String message;
        Instant first;
        Instant last;
        Instant writtenAt;
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String component;
    private final Clock clock;
    private final Duration interval;
    private final Map<Key, Aggregate> aggregates = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;

    public EventRecorder(KubernetesClient client, String namespace, String component, Clock clock, Duration interval) {
        this.client = client;
        this.namespace = namespace;
        this.component = component;
        this.clock = clock;
        this.interval = interval;
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "livepatch-event-flusher");
            t.setDaemon(true);
            return t;
        });
        long millis = Math.max(1, interval.toMillis());
        flusher.scheduleWithFixedDelay(this::flush, millis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void record(LivePatch lp, EventNote note) {
        String text = note.message().length() <= MAX_MESSAGE ? note.message() : note.message().substring(0, MAX_MESSAGE - 3) + "...";
        LOG.info("event livepatch={} type={} reason={} message={}", lp.getMetadata().getName(), note.type(), note.reason(), text);
        Instant now = clock.instant();
        Aggregate a = aggregates.computeIfAbsent(new Key(lp.getMetadata().getName(), note.type(), note.reason()), k -> new Aggregate());
        synchronized (a) {
            a.lp = lp;
            a.count++;
            a.message = text;
            a.first = a.first == null ? now : a.first;
            a.last = now;
            if (a.writtenAt == null || !now.isBefore(a.writtenAt.plus(interval))) {
                writeSoon(a, note.type(), note.reason());
            }
        }
    }

    /** On the flusher's thread: a reconcile does not wait for an Event write (docs/design.md §6.1). */
    private void writeSoon(Aggregate a, String type, String reason) {
        try {
            flusher.execute(() -> {
                synchronized (a) {
                    Instant now = clock.instant();
                    if (a.count > a.writtenCount && (a.writtenAt == null || !now.isBefore(a.writtenAt.plus(interval)))) {
                        write(a, type, reason, now);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.info("not recording event livepatch={} reason={}: stopping", a.lp.getMetadata().getName(), reason);
        }
    }

    /** Writes every Event with occurrences not yet written whose interval has passed. */
    public void flush() {
        Instant now = clock.instant();
        aggregates.forEach((key, a) -> {
            synchronized (a) {
                if (a.count > a.writtenCount && a.writtenAt != null && !now.isBefore(a.writtenAt.plus(interval))) {
                    write(a, key.type(), key.reason(), now);
                }
            }
        });
    }

    @Override
    public void forget(LivePatch lp) {
        flush();
        aggregates.keySet().removeIf(k -> k.livePatch().equals(lp.getMetadata().getName()));
    }

    private void write(Aggregate a, String type, String reason, Instant now) {
        try {
            if (a.name != null && patch(a) != null) {
                a.writtenAt = now;
                a.writtenCount = a.count;
                return;
            }
            a.name = (a.lp.getMetadata().getName() + "." + Long.toHexString(now.toEpochMilli()) + Long.toHexString(System.nanoTime() & 0xffff))
                    .toLowerCase(Locale.ROOT);
            client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata().withName(a.name).withNamespace(namespace).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(a.lp.getApiVersion()).withKind(a.lp.getKind())
                            .withName(a.lp.getMetadata().getName()).withUid(a.lp.getMetadata().getUid())
                            .withResourceVersion(a.lp.getMetadata().getResourceVersion()).build())
                    .withType(type).withReason(reason).withMessage(a.message)
                    .withFirstTimestamp(a.first.toString()).withLastTimestamp(a.last.toString()).withCount(a.count)
                    .withNewSource().withComponent(component).endSource()
                    .withReportingComponent(component)
                    .build()).create();
            a.writtenAt = now;
            a.writtenCount = a.count;
        } catch (KubernetesClientException e) {
            a.writtenAt = now; // not again before the interval: a failing API server is not hammered with event writes
            LOG.warn("failed to record event livepatch={} reason={}: {}", a.lp.getMetadata().getName(), reason, e.getMessage());
        }
    }

    /**
     * The aggregated Event updated, or null when it cannot be: gone (expired, deleted), or the
     * operator may only create events (403): then a new Event carries the count so far, still at
     * most one write per interval.
     */
    private Event patch(Aggregate a) {
        try {
            return client.v1().events().inNamespace(namespace).withName(a.name).patch(PatchContext.of(PatchType.JSON_MERGE),
                    Serialization.asJson(Map.of("count", a.count, "lastTimestamp", a.last.toString(), "message", a.message)));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404 || e.getCode() == 403) {
                return null;
            }
            throw e;
        }
    }

    /** Writes the Events already due, then stops (bounded). */
    @Override
    public void close() {
        BoundedShutdown.finish(flusher, Duration.ofSeconds(5));
    }
}
