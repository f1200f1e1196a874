package dev.livepatch.daemon.sim;

import dev.livepatch.daemon.kernel.KmsgEvent;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** The simulated kernel's log: records in /dev/kmsg's form, stamped with the clock, kept until drained. */
final class SimKmsg {
    private final Clock clock;
    private final Deque<KmsgEvent> log = new ArrayDeque<>();
    private long seq;

    SimKmsg(Clock clock) { this.clock = clock; }

    void printk(String message) {
        String record = "6," + (++seq) + "," + clock.millis() * 1000 + ",-;" + message;
        KmsgEvent.parse(record).ifPresent(log::addLast);
    }

    long lastSequence() { return seq; }

    List<KmsgEvent> drain() {
        List<KmsgEvent> out = new ArrayList<>(log);
        log.clear();
        return out;
    }
}
