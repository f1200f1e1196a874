package dev.livepatch.daemon.kernel;

/** The kernel (or kmod) refused an operation; {@link #errno()} says how. */
public class KernelException extends Exception {
    private final Errno errno;

    public KernelException(Errno errno, String message) {
        super(message);
        this.errno = errno;
    }

    public KernelException(Errno errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    public Errno errno() { return errno; }
}
