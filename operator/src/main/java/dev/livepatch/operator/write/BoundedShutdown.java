package dev.livepatch.operator.write;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Stops a writer's threads after the writes already started have finished, waiting at most so long. */
final class BoundedShutdown {
    private BoundedShutdown() {}

    static void finish(ExecutorService writers, Duration atMost) {
        writers.shutdown();
        try {
            if (!writers.awaitTermination(atMost.toMillis(), TimeUnit.MILLISECONDS)) writers.shutdownNow();
        } catch (InterruptedException e) {
            writers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
