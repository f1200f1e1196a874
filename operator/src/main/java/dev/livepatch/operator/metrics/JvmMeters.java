package dev.livepatch.operator.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * The JVM's and the process's meters (Micrometer's binders): heap and non-heap by pool, GC pauses,
 * threads, classes, CPU, open file descriptors, uptime. Closing stops listening to GC notifications.
 */
public final class JvmMeters implements AutoCloseable {
    private final JvmGcMetrics gc = new JvmGcMetrics();

    private JvmMeters() {}

    /** Binds them, and JOSDK's meter filter: before any meter is registered, so call it first. */
    public static JvmMeters bindTo(MeterRegistry registry) {
        registry.config().meterFilter(new JosdkMeters()).meterFilter(MeterFilter.deny(id -> id.getName().equals(ProcessCpu.NANOSECONDS)))
                .meterFilter(ProcessCpu.CPUS_NOT_A_COUNT);
        JvmMeters meters = new JvmMeters();
        new JvmMemoryMetrics().bindTo(registry);
        meters.gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        ProcessCpu.bindTo(registry);
        return meters;
    }

    @Override
    public void close() {
        gc.close();
    }
}
