package dev.livepatch.daemon.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Replaces a file whole: the content goes to a temp file in the same directory, which is synced,
 * renamed over the target, and then the directory is synced. A reader sees the old file or the new
 * one, never half of one; after a crash the file is one of the two, and after {@link #replace}
 * returns, the new one.
 */
public final class DurableFiles {
    /** Forces what was written through a channel (of a file or of a directory) to the disk. */
    @FunctionalInterface
    public interface Sync {
        void force(FileChannel channel, Path path) throws IOException;
    }

    /** fsync(2). */
    public static final DurableFiles SYNCED = new DurableFiles((channel, path) -> channel.force(true));
    /** Atomic for readers, not durable across a crash: for files that are rebuilt anyway (the simulated kernel's). */
    private static final Sync NONE = (channel, path) -> { };
    public static final DurableFiles UNSYNCED = new DurableFiles(NONE);

    public static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> OWNER_READ = PosixFilePermissions.fromString("r--------");
    public static final Set<PosixFilePermission> EVERYONE_READ = PosixFilePermissions.fromString("rw-r--r--");

    private final Sync sync;

    public DurableFiles(Sync sync) { this.sync = sync; }

    /** Replaces {@code target} with {@code content}, leaving it with {@code permissions}; its directory must exist. */
    public void replace(Path target, byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE));
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) out.write(b);
                sync.force(out, tmp);
            }
            if (!permissions.equals(OWNER_READ_WRITE)) Files.setPosixFilePermissions(tmp, permissions);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (sync == NONE) return;
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            sync.force(d, dir);
        }
    }
}
