package dev.livepatch.daemon.converge;

/** The daemon's host state file cannot be read (corrupt, unreadable) or written. */
public class StateFileException extends Exception {
    public StateFileException(String message, Throwable cause) { super(message, cause); }
}
