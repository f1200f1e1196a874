package dev.livepatch.daemon.converge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.livepatch.daemon.files.DurableFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads and writes {@link HostState} as JSON. A write replaces the file whole and durably (temp
 * file, fsync, rename, fsync of the directory), so a crash or power loss leaves the old records or
 * the new ones, never half a file.
 */
public final class HostStateStore {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** How long a pass waits for another to release the host lock by default (HOST_LOCK_WAIT). */
    public static final Duration DEFAULT_LOCK_WAIT = Duration.ofMinutes(5);
    private final Path file;
    private final DurableFiles files;
    private final HostLock lock;

    public HostStateStore(Path file) { this(file, DurableFiles.SYNCED); }

    public HostStateStore(Path file, DurableFiles files) { this(file, files, DEFAULT_LOCK_WAIT); }

    /** @param lockWait how long a pass waits for the host lock ({@code lock} beside the file) */
    public HostStateStore(Path file, DurableFiles files, Duration lockWait) {
        this.file = file;
        this.files = files;
        this.lock = new HostLock(file.resolveSibling("lock"), lockWait);
    }

    public Path file() { return file; }

    /** The one-writer lock of this host's records and kernel (docs/design.md §5 rule 15). */
    public HostLock lock() { return lock; }

    /**
     * The stored state; a fresh one only when there is no file yet. A file that cannot be read or is
     * not whole JSON records (truncated, garbage, a directory in its place) is an error, never
     * silently forgotten.
     */
    public HostState load() throws StateFileException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new HostState();
        } catch (IOException e) {
            throw new StateFileException("failed to read daemon state " + file + ": " + e
                    + "; nothing changed (fix or move it aside to start over: loaded patches are then reported unmanaged)", e);
        }
        try {
            HostState state = JSON.readValue(bytes, HostState.class);
            if (state == null) throw new IOException("the file holds no records (JSON null)");
            return state;
        } catch (IOException e) {
            throw new StateFileException("failed to parse daemon state " + file + " (" + bytes.length + " bytes): "
                    + e.getMessage().lines().findFirst().orElse("")
                    + "; nothing changed (fix or move it aside to start over: loaded patches are then reported unmanaged)", e);
        }
    }

    /** Keeps an unreadable file for whoever wants to look at it ({@code <file>.unreadable-<instant>}) and returns where it went. */
    public Path moveAside(java.time.Instant now) throws StateFileException {
        Path aside = file.resolveSibling(file.getFileName() + ".unreadable-" + now.toString().replace(':', '-'));
        try {
            Files.move(file, aside);
            return aside;
        } catch (IOException e) {
            throw new StateFileException("failed to move the unreadable daemon state " + file + " aside: " + e + "; nothing changed", e);
        }
    }

    public void save(HostState state) throws StateFileException {
        try {
            Files.createDirectories(file.getParent());
            files.replace(file, JSON.writeValueAsBytes(state), DurableFiles.OWNER_READ_WRITE);
        } catch (IOException e) {
            throw new StateFileException("failed to write daemon state " + file + ": " + e + "; the previous records are kept", e);
        }
    }
}
