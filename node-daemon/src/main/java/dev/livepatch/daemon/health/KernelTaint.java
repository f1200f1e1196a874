package dev.livepatch.daemon.health;

import dev.livepatch.daemon.kernel.Errno;
import dev.livepatch.daemon.kernel.KernelException;

/** The kernel's taint mask ({@code /proc/sys/kernel/tainted}), one bit per taint flag. */
@FunctionalInterface
public interface KernelTaint {
    long read() throws KernelException;

    /** A host whose taint cannot be read: the taint gate is not checked there (the kernel log gates still are). */
    KernelTaint UNREADABLE = () -> {
        throw new KernelException(Errno.ENOENT, "no taint reader on this host");
    };
}
