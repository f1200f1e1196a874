package dev.livepatch.daemon.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DaemonConfigTest {
    @Test
    void theModuleCacheGraceDefaultsToTheUnloadGraceAndNoKmodPathIsConfigured() {
        assertThat(DaemonConfig.fromEnv(Map.of()).moduleCacheGrace()).isEqualTo(Duration.ofMinutes(5));
        assertThat(DaemonConfig.fromEnv(Map.of("UNLOAD_GRACE", "10m")).moduleCacheGrace()).isEqualTo(Duration.ofMinutes(10));
        assertThat(DaemonConfig.fromEnv(Map.of("UNLOAD_GRACE", "10m", "MODULE_CACHE_GRACE", "1h")).moduleCacheGrace()).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> DaemonConfig.fromEnv(Map.of("MODULE_CACHE_GRACE", "soon"))).hasMessageContaining("MODULE_CACHE_GRACE=soon");
        assertThat(DaemonConfig.KEYS).doesNotContainKeys("INSMOD", "RMMOD");
        assertThat(DaemonConfig.fromEnv(Map.of()).fetchAttempts()).as("few attempts per pass; passes back off").isEqualTo(2);
    }
}
