package dev.livepatch.daemon.converge;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One writer on the host at a time (docs/design.md §5 rule 15): a record lock ({@code fcntl}, what
 * {@link FileChannel#lock} takes on Linux) on a file in the state directory, held for each converge
 * pass by every mode — the DaemonSet's daemon per slice, one-shot and restore for their whole pass —
 * so two processes (the boot restore beside the daemon, an old pod still terminating beside a new one)
 * never act on the kernel or the state file at once. The kernel drops the lock when its process dies:
 * a killed holder never leaves it taken. A pass that cannot take it waits, at most {@code maxWait}, and
 * logs whom it waits for (the holder writes itself into the file).
 *
 * <p>Record locks belong to the process, and closing any descriptor of the file drops them all, so
 * within one JVM the threads queue on one in-process lock per file first; only its holder opens the
 * file. Reentrant: a pass's slices take it again without waiting.
 */
public final class HostLock {
    private static final Logger log = LoggerFactory.getLogger(HostLock.class);
    private static final long POLL_MILLIS = 50;
    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path file;
    private final Duration maxWait;
    private final ReentrantLock local;
    // guarded by local
    private FileChannel channel;
    private FileLock lock;

    public HostLock(Path file, Duration maxWait) {
        this.file = file.toAbsolutePath().normalize();
        this.maxWait = maxWait;
        this.local = IN_PROCESS.computeIfAbsent(this.file, f -> new ReentrantLock(true));
    }

    public Path file() { return file; }

    /** What a caller holds; closing it releases one level of the lock. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Takes the lock for {@code holder} (e.g. "restore pid 123"), waiting while another process or
     * thread holds it. Throws {@link StateFileException} when it cannot be taken within {@code maxWait}
     * or the lock file cannot be opened: nothing was done then.
     */
    public Held acquire(String holder) throws StateFileException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        if (local.isHeldByCurrentThread()) {
            local.lock();
            return this::release;
        }
        try {
            if (!local.tryLock()) {
                log.atInfo().addKeyValue("lock", file).addKeyValue("waiter", holder).addKeyValue("maxWait", maxWait)
                        .log("waiting for the host lock: another thread of this process acts on this host");
                if (!local.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw timedOut(holder, "another thread of this process");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateFileException("interrupted while waiting for the host lock " + file + "; nothing done", e);
        }
        try {
            lockFile(holder, deadline);
            return this::release;
        } catch (StateFileException | RuntimeException e) {
            closeChannel();
            local.unlock();
            throw e;
        }
    }

    /** Whether the calling thread holds the lock. */
    public boolean heldByCurrentThread() { return local.isHeldByCurrentThread(); }

    private void lockFile(String holder, long deadline) throws StateFileException {
        boolean logged = false;
        try {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            while ((lock = channel.tryLock()) == null) {
                if (!logged) {
                    log.atInfo().addKeyValue("lock", file).addKeyValue("waiter", holder).addKeyValue("holder", holderNow())
                            .addKeyValue("maxWait", maxWait).log("waiting for the host lock: another process acts on this host");
                    logged = true;
                }
                if (System.nanoTime() > deadline) throw timedOut(holder, holderNow());
                Thread.sleep(POLL_MILLIS);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((holder + " since " + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            if (logged) log.atInfo().addKeyValue("lock", file).addKeyValue("holder", holder).log("took the host lock");
        } catch (IOException e) {
            throw new StateFileException("failed to take the host lock " + file + ": " + e + "; nothing done", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateFileException("interrupted while waiting for the host lock " + file + "; nothing done", e);
        }
    }

    private StateFileException timedOut(String holder, String heldBy) {
        return new StateFileException("the host lock " + file + " is held by " + heldBy + " for more than " + maxWait
                + " (HOST_LOCK_WAIT); nothing done by " + holder + ", tried again later", null);
    }

    private void release() {
        if (!local.isHeldByCurrentThread()) return;
        try {
            if (local.getHoldCount() == 1) closeChannel(); // closing the descriptor releases the record lock
        } finally {
            local.unlock();
        }
    }

    private void closeChannel() {
        lock = null;
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException e) {
            log.atWarn().addKeyValue("lock", file).addKeyValue("error", e.toString()).log("failed to close the host lock file");
        }
        channel = null;
    }

    /** Who the lock file says holds it, read through this process's own descriptor (another one's close would drop our locks). */
    private String holderNow() {
        try {
            ByteBuffer b = ByteBuffer.allocate(512);
            int n = channel.read(b, 0);
            String s = n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "another process" : s;
        } catch (IOException e) {
            return "another process";
        }
    }
}
