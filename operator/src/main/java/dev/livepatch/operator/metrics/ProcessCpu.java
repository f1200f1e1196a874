package dev.livepatch.operator.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import java.lang.management.ManagementFactory;

/**
 * {@code process_cpu_seconds_total}, Prometheus' standard name, in place of Micrometer's
 * {@code process.cpu.time} (nanoseconds: not a base unit, and a filter can rename a meter, not
 * rescale it); and {@code system_cpus_available} for Micrometer's {@code system.cpu.count}, a gauge
 * whose {@code _count} suffix Prometheus keeps for histograms and summaries.
 */
final class ProcessCpu {
    static final String NANOSECONDS = "process.cpu.time";
    static final MeterFilter CPUS_NOT_A_COUNT = new MeterFilter() {
        @Override
        public Meter.Id map(Meter.Id id) {
            return id.getName().equals("system.cpu.count") ? id.withName("system.cpus.available") : id;
        }
    };

    private ProcessCpu() {}

    static void bindTo(MeterRegistry registry) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os && os.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time the process used").register(registry);
        }
    }
}
