package dev.livepatch.api.values;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IntOrPercentTest {

    @ParameterizedTest(name = "{0} of {1} nodes = {2} up, {3} down")
    @CsvSource({"10%,1000,100,100", "10%,5,1,0", "1%,150,2,1", "100%,7,7,7", "33%,10,4,3"})
    void percentagesRoundLikeKubernetes(String percent, int total, int up, int down) {
        IntOrPercent p = IntOrPercent.parse(new IntOrString(percent)).orElseThrow();
        assertThat(p.isPercent()).isTrue();
        assertThat(p.resolveRoundingUp(total)).isEqualTo(up);
        assertThat(p.resolveRoundingDown(total)).isEqualTo(down);
    }

    @Test
    void countsIgnoreTheTotal() {
        IntOrPercent p = IntOrPercent.parse(new IntOrString(3)).orElseThrow();
        assertThat(p.resolveRoundingUp(1000)).isEqualTo(3);
        assertThat(p.count()).hasValue(3);
    }

    @ParameterizedTest(name = "rejects ''{0}''")
    @ValueSource(strings = {"0%", "101%", "10", "ten", "10 %", "%", "05%"})
    void rejectsStringsThatAreNotPercentagesFrom1To100(String text) {
        assertThat(IntOrPercent.parse(new IntOrString(text))).isEmpty();
    }
}
