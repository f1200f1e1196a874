package dev.livepatch.daemon.restore;

import dev.livepatch.daemon.config.DaemonConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Puts the boot restore's static pod in place once the daemon is ready, not at its start: the
 * kubelet starts the pod (a second JVM, the restore) as soon as the file appears, and on a small node
 * that JVM beside a starting daemon can push the daemon past its startup probe. The pod is needed
 * only at the next boot, so nothing is lost by waiting. A failure is logged; the daemon runs on.
 */
public final class BootRestorePodWriter {
    private static final Logger log = LoggerFactory.getLogger(BootRestorePodWriter.class);

    private final DaemonConfig config;
    private final Map<String, String> env;
    private final BooleanSupplier ready;
    private final ScheduledExecutorService executor;
    private final Duration recheck;

    public BootRestorePodWriter(DaemonConfig config, Map<String, String> env, BooleanSupplier ready,
                                ScheduledExecutorService executor, Duration recheck) {
        this.config = config;
        this.env = env;
        this.ready = ready;
        this.executor = executor;
        this.recheck = recheck;
    }

    /** Schedules the write for when {@code ready} first holds; nothing when the boot restore is off. */
    public void start() {
        if (config.bootRestore().enabled()) schedule();
    }

    private void schedule() {
        executor.schedule(this::attempt, recheck.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void attempt() {
        if (!ready.getAsBoolean()) {
            schedule();
            return;
        }
        Path file = config.bootRestore().staticPodDir().resolve(StaticPod.FILE_NAME);
        try {
            Path written = StaticPodFile.write(config, env);
            log.atInfo().addKeyValue("file", file).addKeyValue("changed", written != null).log("boot restore static pod in place");
        } catch (IOException | RuntimeException e) {
            log.atError().addKeyValue("dir", config.bootRestore().staticPodDir()).addKeyValue("error", e.toString())
                    .log("failed to write the boot restore static pod: patches will not come back before the API server after a reboot");
        }
    }
}
