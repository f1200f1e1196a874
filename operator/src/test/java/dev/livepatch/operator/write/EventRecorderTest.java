package dev.livepatch.operator.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.operator.testing.Fixtures;
import dev.livepatch.daemon.time.ManualClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Events aggregate as Kubernetes' recorder does: one per LivePatch and reason, a count, at most one write per interval. */
@EnableKubernetesMockClient(crud = true)
class EventRecorderTest {
    KubernetesClient client;
    KubernetesMockServer server;

    @Test
    void aRepeatedErrorIsOneEventWhoseCountGrowsAtMostOneWritePerInterval() {
        ManualClock clock = new ManualClock(Instant.parse("2026-05-01T12:00:00Z"));
        LivePatch lp = Fixtures.livePatch("fix", s -> { });
        lp.getMetadata().setUid("uid-fix");
        try (EventRecorder recorder = new EventRecorder(client, "default", "livepatch-operator", clock, Duration.ofHours(1))) {
            recorder.record(lp, EventNote.warning("ReconcileError", "failed to reconcile: boom 0"));
            await().untilAsserted(() -> assertThat(events()).hasSize(1)); // written on the flusher's thread, not the caller's
            for (int i = 1; i < 5; i++) {
                recorder.record(lp, EventNote.warning("ReconcileError", "failed to reconcile: boom " + i));
            }
            assertThat(events()).singleElement().satisfies(e -> {
                assertThat(e.getCount()).isEqualTo(1);
                assertThat(e.getMessage()).endsWith("boom 0");
            });

            recorder.flush(); // within the interval: nothing written
            assertThat(events()).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(1));

            clock.advance(Duration.ofHours(1));
            recorder.flush();
            assertThat(events()).singleElement().satisfies(e -> {
                assertThat(e.getCount()).isEqualTo(5);
                assertThat(e.getMessage()).endsWith("boom 4");
                assertThat(e.getFirstTimestamp()).isEqualTo("2026-05-01T12:00:00Z");
            });

            recorder.record(lp, EventNote.normal("Admitted", "admitted n1"));
            await().untilAsserted(() -> assertThat(events()).extracting(Event::getReason).containsExactlyInAnyOrder("ReconcileError", "Admitted"));
        }
    }

    @Test
    void anOperatorThatMayOnlyCreateEventsWritesTheCountInANewEventAtMostOncePerInterval() {
        ManualClock clock = new ManualClock(Instant.parse("2026-05-01T12:00:00Z"));
        LivePatch lp = Fixtures.livePatch("fix", s -> { });
        try (EventRecorder recorder = new EventRecorder(client, "default", "livepatch-operator", clock, Duration.ofHours(1))) {
            recorder.record(lp, EventNote.warning("ReconcileError", "boom 0"));
            await().untilAsserted(() -> assertThat(events()).hasSize(1));
            String first = events().get(0).getMetadata().getName();
            server.expect().patch().withPath("/api/v1/namespaces/default/events/" + first).andReturn(403, "forbidden").always();
            recorder.record(lp, EventNote.warning("ReconcileError", "boom 1"));
            recorder.record(lp, EventNote.warning("ReconcileError", "boom 2"));

            clock.advance(Duration.ofHours(1));
            recorder.flush();

            assertThat(events()).hasSize(2).anySatisfy(e -> {
                assertThat(e.getCount()).isEqualTo(3);
                assertThat(e.getMessage()).isEqualTo("boom 2");
            });
        }
    }

    private List<Event> events() {
        return client.v1().events().inNamespace("default").list().getItems();
    }
}
