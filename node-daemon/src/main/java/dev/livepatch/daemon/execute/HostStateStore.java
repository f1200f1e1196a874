package dev.livepatch.daemon.execute;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Reads and writes {@link HostState} as JSON, atomically (temp file + rename), so a crash never leaves half a file. */
public final class HostStateStore {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Path file;

    public HostStateStore(Path file) { this.file = file; }

    public Path file() { return file; }

    /** The stored state; a fresh one when there is no file yet. An unreadable file is an error (never silently forgotten). */
    public HostState load() throws StateFileException {
        if (!Files.exists(file)) return new HostState();
        try {
            return JSON.readValue(file.toFile(), HostState.class);
        } catch (IOException e) {
            throw new StateFileException("failed to read daemon state " + file + ": " + e.getMessage()
                    + "; move it aside to start over (loaded patches are then reported unmanaged)", e);
        }
    }

    public void save(HostState state) throws StateFileException {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), state);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new StateFileException("failed to write daemon state " + file + ": " + e.getMessage(), e);
        }
    }
}
