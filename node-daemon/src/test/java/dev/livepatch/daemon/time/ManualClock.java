package dev.livepatch.daemon.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock that moves only when told to; thread-safe. For tests and the fleet simulator. */
public final class ManualClock extends Clock {
    private final AtomicReference<Instant> now;

    public ManualClock(Instant start) { this.now = new AtomicReference<>(start); }

    public void advance(Duration d) { now.updateAndGet(t -> t.plus(d)); }

    @Override
    public Instant instant() { return now.get(); }

    @Override
    public ZoneId getZone() { return ZoneOffset.UTC; }

    @Override
    public Clock withZone(ZoneId zone) { return this; }
}
