package dev.livepatch.daemon.kernel;

import java.nio.file.Path;

/**
 * One module file as read for its checks, held until it is loaded: the loader loads these bytes
 * (on a real node through the very descriptor they were read from), never the path again, so
 * nothing that writes the cache directory between the check and the load can swap the code.
 */
public class ModuleImage implements AutoCloseable {
    private final String name;
    private final Path file;
    private final byte[] bytes;

    public ModuleImage(String name, Path file, byte[] bytes) {
        this.name = name;
        this.file = file;
        this.bytes = bytes.clone();
    }

    /** The module's name (its modinfo {@code name}, checked against the spec's). */
    public String name() { return name; }

    /** Where the bytes were read from, for messages. */
    public Path file() { return file; }

    /** The bytes that were checked. */
    public byte[] bytes() { return bytes.clone(); }

    /** Releases what the image holds (an open descriptor on a real node); idempotent. */
    @Override
    public void close() {}
}
