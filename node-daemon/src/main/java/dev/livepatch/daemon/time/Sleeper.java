package dev.livepatch.daemon.time;

import java.time.Duration;

/** Waits. Injected beside the {@link java.time.Clock} so tests and the simulator advance time themselves. */
@FunctionalInterface
public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;

    Sleeper REAL = d -> Thread.sleep(d.toMillis());
}
