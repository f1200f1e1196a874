package dev.livepatch.daemon.health;

import dev.livepatch.daemon.kernel.Errno;
import dev.livepatch.daemon.kernel.KernelException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads {@code /proc/sys/kernel/tainted} under the host prefix (docs/design.md §5 rule 8). */
public final class ProcTaint implements KernelTaint {
    private final Path file;

    public ProcTaint(Path hostPrefix) { this.file = hostPrefix.resolve("proc/sys/kernel/tainted"); }

    @Override
    public long read() throws KernelException {
        String text;
        // One read(2) of a buffer large enough: a sysctl file answers a read at a non-zero offset with EOF, so
        // Files.readString (which reads one byte first when the size says 0) would see "4" of "45568".
        try (InputStream in = Files.newInputStream(file)) {
            text = new String(in.readNBytes(64), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new KernelException(Errno.of(e), "failed to read " + file + ": " + e.getMessage(), e);
        }
        try {
            return Long.parseUnsignedLong(text);
        } catch (NumberFormatException e) {
            throw new KernelException(Errno.OTHER, file + " holds '" + text + "', not a taint mask", e);
        }
    }
}
