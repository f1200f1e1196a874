package dev.livepatch.daemon.module;

/** A module file could not be fetched or failed a check; {@link #reason()} is one of NodeReasons. */
public class ModuleException extends Exception {
    private final String reason;

    public ModuleException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() { return reason; }
}
