package dev.livepatch.daemon.kernel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Tails {@code /dev/kmsg} on one daemon thread. Each read(2) of /dev/kmsg returns one record; the
 * buffer's old records come first, so records older than the daemon's start (by their boot-relative
 * timestamp against {@code /proc/uptime}) are skipped. EPIPE (records overwritten while we were
 * slow) is not an error: reading goes on. Keeps at most {@value #CAPACITY} unread events.
 */
public final class KmsgReader implements KernelLog, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KmsgReader.class);
    static final int CAPACITY = 1000;

    private final Path kmsg;
    private final long skipBeforeMicros;
    private final Deque<KmsgEvent> events = new ArrayDeque<>();
    private volatile boolean closed;
    private Thread thread;

    public KmsgReader(Path kmsg, Path uptime) {
        this.kmsg = kmsg;
        long start = 0;
        try {
            start = (long) (Double.parseDouble(Files.readString(uptime).trim().split("\\s+")[0]) * 1_000_000);
        } catch (IOException | RuntimeException e) {
            log.atWarn().addKeyValue("file", uptime).log("cannot read uptime; kernel log history will be read too");
        }
        this.skipBeforeMicros = start;
    }

    public synchronized KmsgReader start() {
        thread = new Thread(this::run, "kmsg-reader");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void run() {
        byte[] buf = new byte[8192];
        while (!closed) {
            try (InputStream in = Files.newInputStream(kmsg)) {
                while (!closed) {
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (IOException e) {
                        if (String.valueOf(e.getMessage()).contains("Broken pipe")) continue; // EPIPE: records lost, go on
                        throw e;
                    }
                    if (n < 0) break;
                    accept(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                log.atWarn().addKeyValue("file", kmsg).addKeyValue("error", e.getMessage()).log("kernel log unreadable; retrying in 10s");
            }
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Takes one or more records (newline-separated), as read. Public for tests and for the simulated kernel. */
    public void accept(String records) {
        for (String record : records.split("\n")) {
            if (KmsgEvent.timestampMicros(record) < skipBeforeMicros) continue;
            KmsgEvent.parse(record).ifPresent(e -> {
                log.atInfo().addKeyValue("kmsg", e.message()).log("kernel");
                synchronized (events) {
                    if (events.size() >= CAPACITY) events.removeFirst();
                    events.addLast(e);
                }
            });
        }
    }

    @Override
    public List<KmsgEvent> drain() {
        synchronized (events) {
            List<KmsgEvent> out = new ArrayList<>(events);
            events.clear();
            return out;
        }
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) thread.interrupt();
    }
}
