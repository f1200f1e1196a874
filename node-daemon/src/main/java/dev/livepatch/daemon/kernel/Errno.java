package dev.livepatch.daemon.kernel;

/** The few kernel error numbers the daemon tells apart; everything else is {@link #OTHER}. */
public enum Errno {
    /** Writing the current value to {@code enabled}, or enabling a disabled patch. */
    EINVAL,
    /** Another transition is in flight. The one error an insmod is retried on. */
    EBUSY,
    /** rmmod of a module still in use (an enabled patch). */
    EAGAIN,
    /** The patch or module is not there (a sysfs dir vanished). */
    ENOENT,
    /** insmod of a module already loaded. */
    EEXIST,
    OTHER;

    /** Maps the message of a failed write or of kmod's stderr ("Invalid argument", "Device or resource busy", ...) to an errno. */
    public static Errno fromMessage(String message) {
        if (message == null) return OTHER;
        String m = message.toLowerCase();
        if (m.contains("invalid argument")) return EINVAL;
        if (m.contains("resource busy") || m.contains("ebusy")) return EBUSY;
        if (m.contains("temporarily unavailable") || m.contains("in use") || m.contains("eagain")) return EAGAIN;
        if (m.contains("no such file") || m.contains("nosuchfile") || m.contains("not currently loaded")) return ENOENT;
        if (m.contains("file exists") || m.contains("eexist")) return EEXIST;
        return OTHER;
    }
}
