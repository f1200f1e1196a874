package dev.livepatch.daemon.metrics;

import java.lang.management.ClassLoadingMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.RuntimeMXBean;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.ToLongFunction;

/**
 * The JVM's and the process's meters on the daemon's /metrics, under the names Micrometer's binders
 * gave them (the chart's dashboard reads {@code jvm_memory_used_bytes}, {@code jvm_gc_pause_seconds_sum},
 * {@code process_cpu_seconds_total} and {@code process_files_open_files}): memory by pool, GC time by
 * collector, threads, classes, CPU time, file descriptors, uptime. Read from the platform MXBeans when
 * scraped (docs/design.md §6.5).
 */
public final class ProcessMeters {
    private ProcessMeters() {}

    /** A registry with the process's meters, for the daemon's /metrics. */
    public static MetricRegistry registry() {
        MetricRegistry registry = new MetricRegistry();
        bindTo(registry);
        return registry;
    }

    static void bindTo(MetricRegistry r) {
        List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans();
        pool(r, "jvm_memory_used_bytes", "The amount of used memory", pools, p -> p.getUsage().getUsed());
        pool(r, "jvm_memory_committed_bytes", "The amount of memory in bytes that is committed for the Java virtual machine to use",
                pools, p -> p.getUsage().getCommitted());
        pool(r, "jvm_memory_max_bytes", "The maximum amount of memory in bytes that can be used for memory management",
                pools, p -> p.getUsage().getMax());
        List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
        r.summary("jvm_gc_pause_seconds", "Time spent in GC pause", out -> {
            for (GarbageCollectorMXBean gc : gcs) {
                long count = gc.getCollectionCount();
                if (count <= 0) continue;
                // The serial collector's two, and G1's and Parallel's old-generation ones, are the major collections.
                String name = gc.getName();
                boolean major = name.equals("MarkSweepCompact") || name.contains("Old") || name.contains("MarkSweep");
                List<String> labels = List.of("action", major ? "end of major GC" : "end of minor GC", "gc", name);
                TextFormat.sample(out, "jvm_gc_pause_seconds_count", labels, count);
                TextFormat.sample(out, "jvm_gc_pause_seconds_sum", labels, gc.getCollectionTime() / 1e3);
            }
        });
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        r.gauge("jvm_threads_live_threads", "The current number of live threads including both daemon and non-daemon threads", threads::getThreadCount);
        r.gauge("jvm_threads_daemon_threads", "The current number of live daemon threads", threads::getDaemonThreadCount);
        r.gauge("jvm_threads_peak_threads", "The peak live thread count since the Java virtual machine started or peak was reset", threads::getPeakThreadCount);
        ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
        r.gauge("jvm_classes_loaded_classes", "The number of classes that are currently loaded in the Java virtual machine", classes::getLoadedClassCount);
        RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
        r.gauge("process_uptime_seconds", "The uptime of the Java virtual machine", () -> runtime.getUptime() / 1e3);
        r.gauge("process_start_time_seconds", "Start time of the process since unix epoch.", () -> runtime.getStartTime() / 1e3);
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        r.gauge("system_cpus_available", "The number of processors available to the Java virtual machine", os::getAvailableProcessors);
        r.gauge("system_load_average_1m", "The sum of the number of runnable entities queued to available processors and the number of runnable "
                + "entities running on the available processors averaged over a period of time", os::getSystemLoadAverage);
        if (os instanceof com.sun.management.OperatingSystemMXBean cpu && cpu.getProcessCpuTime() >= 0) {
            r.counter("process_cpu_seconds", "CPU time the process used", () -> cpu.getProcessCpuTime() / 1e9);
        }
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            r.gauge("process_files_open_files", "The open file descriptor count", unix::getOpenFileDescriptorCount);
            r.gauge("process_files_max_files", "The maximum file descriptor count", unix::getMaxFileDescriptorCount);
        }
    }

    private static void pool(MetricRegistry r, String name, String help, List<MemoryPoolMXBean> pools, ToLongFunction<MemoryPoolMXBean> value) {
        List<List<String>> labels = new ArrayList<>();
        List<DoubleSupplier> values = new ArrayList<>();
        for (MemoryPoolMXBean p : pools) {
            labels.add(List.of("area", p.getType() == MemoryType.HEAP ? "heap" : "nonheap", "id", p.getName()));
            values.add(() -> value.applyAsLong(p));
        }
        r.gauge(name, help, labels, values);
    }
}
