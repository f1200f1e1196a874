package dev.livepatch.operator.write;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.operator.testing.ManualExecutor;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Counts-only statuses are written at most once per spacing per LivePatch, the latest of those that waited. */
class StatusWriterSpacingTest {
    private static final Duration SPACING = Duration.ofSeconds(1);

    private Instant now = Instant.parse("2026-12-01T00:00:00Z");
    private final List<Duration> pauses = new ArrayList<>();
    private final List<String> stored = new ArrayList<>();
    private final ManualExecutor background = new ManualExecutor();
    private final StatusWriter writer = new StatusWriter(new Recording(), background, new Clock() {
        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }, SPACING, d -> {
        pauses.add(d);
        now = now.plus(d);
    });

    @Test
    void theFirstCountsWriteGoesAtOnceAndTheNextWaitsOutTheSpacingKeepingOnlyTheLatest() {
        writer.writeLater(livePatch(), status("1/10 updated"));
        background.runAll();
        assertThat(stored).containsExactly("1/10 updated");
        assertThat(pauses).isEmpty();

        now = now.plusMillis(300);
        writer.writeLater(livePatch(), status("2/10 updated"));
        writer.writeLater(livePatch(), status("3/10 updated"));
        assertThat(writer.freshest(livePatch()).getStatus().getSummary()).isEqualTo("3/10 updated");
        background.runAll();
        assertThat(pauses).containsExactly(Duration.ofMillis(700));
        assertThat(stored).containsExactly("1/10 updated", "3/10 updated");
    }

    @Test
    void aWriteLongAfterTheLastOneDoesNotWait() {
        writer.writeLater(livePatch(), status("1/10 updated"));
        background.runAll();
        now = now.plusSeconds(5);
        writer.writeLater(livePatch(), status("2/10 updated"));
        background.runAll();
        assertThat(pauses).isEmpty();
        assertThat(stored).containsExactly("1/10 updated", "2/10 updated");
    }

    @Test
    void aStatusWrittenNowDropsTheOneWaitingSoNoOlderOneFollowsIt() {
        writer.writeLater(livePatch(), status("1/10 updated"));
        background.runAll();
        writer.writeLater(livePatch(), status("2/10 updated"));
        writer.write(livePatch(), status("3/10 updated, admitted at 00:00"));
        background.runAll();
        assertThat(stored).containsExactly("1/10 updated", "3/10 updated, admitted at 00:00");
    }

    private static LivePatch livePatch() {
        LivePatch lp = new LivePatch();
        lp.setMetadata(new ObjectMetaBuilder().withName("lp").withUid("u1").withResourceVersion("1").build());
        return lp;
    }

    private static LivePatchStatus status(String summary) {
        LivePatchStatus s = new LivePatchStatus();
        s.setSummary(summary);
        return s;
    }

    private final class Recording implements LivePatchStore {
        @Override
        public LivePatch storeStatus(LivePatch current, LivePatch desired) {
            stored.add(desired.getStatus().getSummary());
            return null; // freshest then falls back to get(): the test's object
        }

        @Override
        public LivePatch pause(String name) {
            return null;
        }

        @Override
        public LivePatch get(String name) {
            return livePatch();
        }
    }
}
