package dev.livepatch.daemon.kernel;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes one sysfs attribute. The real kernel answers a write with an errno; the simulated kernel
 * plugs its own writer in here to answer the same way.
 */
@FunctionalInterface
public interface AttributeWriter {
    void write(Path attribute, String value) throws KernelException;

    /** A plain write(2) of the value, the error mapped to an {@link Errno} ("Invalid argument" = EINVAL, ...). */
    AttributeWriter REAL = (attribute, value) -> {
        try (OutputStream out = Files.newOutputStream(attribute, StandardOpenOption.WRITE)) {
            out.write(value.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            throw new KernelException(Errno.ENOENT, "write " + value + " to " + attribute + ": no such file", e);
        } catch (IOException e) {
            throw new KernelException(Errno.fromMessage(e.getMessage()), "write " + value + " to " + attribute + ": " + e.getMessage(), e);
        }
    };
}
