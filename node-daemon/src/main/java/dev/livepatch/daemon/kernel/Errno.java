package dev.livepatch.daemon.kernel;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;

/**
 * The kernel error numbers the daemon tells apart (Linux numbers, the same on x86-64 and arm64),
 * each with the text {@code strerror(3)} gives it; everything else is {@link #OTHER}.
 */
public enum Errno {
    /** Not allowed: no CAP_SYS_MODULE, or module loading disabled ({@code kernel.modules_disabled}). */
    EPERM(1, "Operation not permitted"),
    /** The patch or module is not there (a sysfs dir vanished). */
    ENOENT(2, "No such file or directory"),
    /** Not a module the kernel can load (bad ELF, wrong architecture). */
    ENOEXEC(8, "Invalid module format"),
    /** rmmod of a module still in use (an enabled patch). */
    EAGAIN(11, "Resource temporarily unavailable"),
    /** Denied: a security module refused the file, or a read was not allowed. */
    EACCES(13, "Permission denied"),
    /** Another transition is in flight. The one error a load is retried on. */
    EBUSY(16, "Device or resource busy"),
    /** Load of a module already loaded. */
    EEXIST(17, "File exists"),
    /** Writing the current value to {@code enabled}, or enabling a disabled patch. */
    EINVAL(22, "Invalid argument"),
    /** A sysfs attribute read while its object is being removed (a patch dir vanishing): gone, as ENOENT. */
    ENODEV(19, "No such device"),
    /** The system's open file table is full. */
    ENFILE(23, "Too many open files in system"),
    /** This process has too many open files. */
    EMFILE(24, "Too many open files"),
    /** The kernel lacks the system call. */
    ENOSYS(38, "Function not implemented"),
    /** The module file is a symbolic link (opened with O_NOFOLLOW). */
    ELOOP(40, "Too many levels of symbolic links"),
    /** The module's signature is malformed. */
    EBADMSG(74, "Bad message"),
    /** Signature enforcement: the module is unsigned, or signed by a key the kernel does not hold. */
    ENOKEY(126, "Required key not available"),
    /** Signature enforcement: the module's signature does not verify. */
    EKEYREJECTED(129, "Key was rejected by service"),
    OTHER(-1, "unknown error");

    private final int number;
    private final String text;

    Errno(int number, String text) {
        this.number = number;
        this.text = text;
    }

    public int number() { return number; }

    /** What {@code strerror(3)} says, as kmod's messages show it ("File exists"). */
    public String text() { return text; }

    /** The errno of a number a system call returned; OTHER for one not told apart. */
    public static Errno fromNumber(int number) {
        return Arrays.stream(values()).filter(e -> e.number == number).findFirst().orElse(OTHER);
    }

    /** The errno of a failed file operation, read from the exception's type and the kernel's text. */
    public static Errno of(java.io.IOException e) {
        if (e instanceof NoSuchFileException) return ENOENT;
        if (e instanceof AccessDeniedException) return EACCES;
        String reason = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        return fromMessage(reason);
    }

    /** Maps the message of a failed write or of kmod's stderr ("Invalid argument", "Device or resource busy", ...) to an errno. */
    public static Errno fromMessage(String message) {
        if (message == null) return OTHER;
        String m = message.toLowerCase();
        if (m.contains("invalid argument")) return EINVAL;
        if (m.contains("resource busy") || m.contains("ebusy")) return EBUSY;
        if (m.contains("temporarily unavailable") || m.contains("in use") || m.contains("eagain")) return EAGAIN;
        if (m.contains("no such file") || m.contains("nosuchfile") || m.contains("not currently loaded")) return ENOENT;
        if (m.contains("file exists") || m.contains("eexist")) return EEXIST;
        if (m.contains("no such device") && !m.contains("or address")) return ENODEV;
        if (m.contains("too many open files in system")) return ENFILE;
        if (m.contains("too many open files")) return EMFILE;
        if (m.contains("permission denied")) return EACCES;
        if (m.contains("operation not permitted")) return EPERM;
        if (m.contains("key was rejected")) return EKEYREJECTED;
        if (m.contains("required key not available")) return ENOKEY;
        if (m.contains("invalid module format") || m.contains("exec format error")) return ENOEXEC;
        return OTHER;
    }
}
