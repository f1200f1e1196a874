package dev.livepatch.daemon.module;

import java.io.IOException;

/**
 * A fetch failed; {@link #retryable()} says whether trying again later can help without a new spec
 * (a timeout, a 5xx or 429, a file not yet published) or not (a source the spec names wrongly).
 * The message says what failed and, where there is one, what to do.
 */
public class FetchException extends IOException {
    private final boolean retryable;

    public FetchException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public FetchException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public static FetchException retryable(String message) { return new FetchException(message, true); }

    public static FetchException permanent(String message) { return new FetchException(message, false); }

    public boolean retryable() { return retryable; }
}
