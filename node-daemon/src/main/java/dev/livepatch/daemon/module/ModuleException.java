package dev.livepatch.daemon.module;

/**
 * A module file could not be fetched or failed a check; {@link #reason()} is one of NodeReasons.
 * {@link #retryable()}: trying again later can help (a fetch timeout, an API server's 429); a
 * permanent failure (checksum, vermagic, not a livepatch, name) waits for a new spec.
 */
public class ModuleException extends Exception {
    private final String reason;
    private final boolean retryable;

    /** A permanent failure. */
    public ModuleException(String reason, String message) {
        this(reason, message, false);
    }

    public ModuleException(String reason, String message, boolean retryable) {
        super(message);
        this.reason = reason;
        this.retryable = retryable;
    }

    public static ModuleException retryable(String reason, String message) { return new ModuleException(reason, message, true); }

    public String reason() { return reason; }

    public boolean retryable() { return retryable; }
}
