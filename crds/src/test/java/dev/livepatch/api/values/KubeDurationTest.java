package dev.livepatch.api.values;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KubeDurationTest {

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({"0s,0", "30s,30000", "1m30s,90000", "500ms,500", "2h,7200000", "1h1m1s1ms,3661001", "90s,90000"})
    void parsesKubernetesDurations(String text, long millis) {
        assertThat(KubeDuration.parse(text)).contains(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "rejects ''{0}''")
    @ValueSource(strings = {"", "30", "s", "-5s", "1.5s", "5 s", "5sec", "1d", "PT30S", "1234567s"})
    void rejectsWhatTheSchemaRejects(String text) {
        assertThat(KubeDuration.parse(text)).isEmpty();
        assertThatThrownBy(() -> KubeDuration.parseValid(text)).hasMessageContaining("not a duration");
    }

    @ParameterizedTest(name = "{0} formats as {1}")
    @CsvSource({"0,0s", "90000,1m30s", "7200000,2h", "500,500ms", "3661001,1h1m1s1ms"})
    void formatsLikeKubernetes(long millis, String text) {
        assertThat(KubeDuration.format(Duration.ofMillis(millis))).isEqualTo(text);
    }

    @Property(tries = 1000)
    void formatThenParseIsIdentity(@ForAll @LongRange(min = 0, max = 86_400_000L) long millis) {
        Duration d = Duration.ofMillis(millis);
        assertThat(KubeDuration.parse(KubeDuration.format(d))).contains(d);
    }
}
