package dev.livepatch.daemon.kernel;

import com.sun.jna.LastErrorException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Opens module files with {@code open(2)} (read-only, close-on-exec, no symbolic link followed) and
 * reads them with {@code read(2)} through that descriptor, which the image then holds for
 * {@link FinitModuleLoader}: a file renamed over the path after the check is not what gets loaded.
 */
public final class NativeModuleFiles implements ModuleFiles {
    private static final int CHUNK = 1 << 16;

    @Override
    public Opened open(Path file, long maxBytes) throws IOException {
        Libc c;
        try {
            c = Libc.Holder.C;
        } catch (LinkageError e) {
            throw new IOException("failed to open " + file + ": the C library could not be reached through JNA (" + e + ")", e);
        }
        String path = file.toAbsolutePath().toString();
        int fd;
        try {
            fd = c.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NOFOLLOW);
        } catch (LastErrorException e) {
            throw failure(path, Errno.fromNumber(e.getErrorCode()));
        }
        try {
            byte[] bytes = readAll(c, fd, path, maxBytes);
            return new Opened() {
                private boolean handedOver;

                @Override public byte[] bytes() { return bytes; }

                @Override public ModuleImage image(String name) {
                    handedOver = true;
                    return new DescriptorModuleImage(name, file, bytes, fd);
                }

                @Override public void close() {
                    if (!handedOver) closeQuietly(fd);
                }
            };
        } catch (IOException | RuntimeException e) {
            closeQuietly(fd);
            throw e;
        }
    }

    private static byte[] readAll(Libc c, int fd, String path, long maxBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[CHUNK];
        while (true) {
            long n;
            try {
                n = c.read(fd, chunk, chunk.length);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Libc.EINTR) continue;
                throw failure(path, Errno.fromNumber(e.getErrorCode()));
            }
            if (n == 0) return out.toByteArray();
            out.write(chunk, 0, (int) n);
            if (out.size() > maxBytes) throw new IOException(path + " is larger than " + maxBytes + " bytes");
        }
    }

    private static IOException failure(String path, Errno errno) {
        return switch (errno) {
            case ENOENT -> new NoSuchFileException(path);
            case EACCES, EPERM -> new AccessDeniedException(path, null, errno.text());
            default -> new FileSystemException(path, null, errno.text());
        };
    }

    static void closeQuietly(int fd) {
        try {
            Libc.Holder.C.close(fd);
        } catch (LastErrorException e) {
            // close(2) frees the descriptor even when it reports an error
        }
    }
}
