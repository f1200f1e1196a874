package dev.livepatch.daemon.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a module file read-only and reads it whole through that one descriptor, so that the bytes
 * checked are the bytes a {@link ModuleLoader} then loads: the {@link ModuleImage} made from an
 * {@link Opened} keeps the descriptor ({@link NativeModuleFiles}, for {@code finit_module(2)}).
 */
@FunctionalInterface
public interface ModuleFiles {
    /**
     * The file, opened and read (at most {@code maxBytes}); {@link java.nio.file.NoSuchFileException}
     * when there is none. The caller closes what it gets unless it made an image of it.
     */
    Opened open(Path file, long maxBytes) throws IOException;

    /** A file read through one open descriptor; closing it closes the descriptor unless an image took it. */
    interface Opened extends AutoCloseable {
        byte[] bytes();

        /** An image of these bytes named {@code name}; the image now holds the descriptor, this nothing. */
        ModuleImage image(String name);

        @Override
        void close();
    }

    /** Plain Java reads, no descriptor kept: for the simulated kernel, which loads an image's bytes. */
    ModuleFiles PLAIN = (file, maxBytes) -> {
        if (Files.size(file) > maxBytes) throw new IOException(file + " is larger than " + maxBytes + " bytes");
        byte[] bytes = Files.readAllBytes(file);
        return new Opened() {
            @Override public byte[] bytes() { return bytes; }
            @Override public ModuleImage image(String name) { return new ModuleImage(name, file, bytes); }
            @Override public void close() {}
        };
    };
}
