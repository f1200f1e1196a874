package dev.livepatch.daemon.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The few C library calls the daemon makes (JNA, Java 17 has no foreign-function API): open, read
 * and close of a module file, and {@code syscall(2)} for {@code finit_module} and
 * {@code delete_module}, which glibc does not wrap. Loaded on first use: JNA unpacks its native
 * stub into {@code jna.tmpdir}, else {@code ~/.cache/JNA/temp}, else {@code java.io.tmpdir}
 * (the pod's /tmp emptyDir; with a read-only root that is where it lands).
 */
interface Libc extends Library {
    int O_RDONLY = 0;
    int O_NONBLOCK = 04000;
    int O_NOFOLLOW = 0400000;
    int O_CLOEXEC = 02000000;
    int EINTR = 4;

    int open(String path, int flags) throws LastErrorException;

    long read(int fd, byte[] buffer, long count) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    long syscall(long number, Object... args) throws LastErrorException;

    /** The system call numbers of this machine: {finit_module, delete_module}. */
    static long[] moduleSyscalls() {
        if (Platform.isLinux() && Platform.isIntel() && Platform.is64Bit()) return new long[] {313, 176};
        if (Platform.isLinux() && Platform.isARM() && Platform.is64Bit()) return new long[] {273, 106};
        return null;
    }

    /** The library, loaded once. */
    final class Holder {
        static final Libc C = Native.load("c", Libc.class);

        private Holder() {}
    }
}
