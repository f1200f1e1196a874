package dev.livepatch.e2e.rollout;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/** Samples a number every {@code period} on a thread of its own and keeps the largest value and the sample count. */
final class Sampler implements AutoCloseable {
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sampler");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger max = new AtomicInteger(Integer.MIN_VALUE);
  private final AtomicInteger samples = new AtomicInteger();

  Sampler(Duration period, IntSupplier value) {
    thread.scheduleAtFixedRate(() -> {
      try {
        max.accumulateAndGet(value.getAsInt(), Math::max);
        samples.incrementAndGet();
      } catch (RuntimeException e) {
        // a failed sample (an API call during shutdown) is skipped; the next one runs
      }
    }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  int max() {
    return max.get();
  }

  int samples() {
    return samples.get();
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
