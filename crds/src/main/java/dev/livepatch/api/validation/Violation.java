package dev.livepatch.api.validation;

/**
 * One broken rule: the field path as {@code kubectl explain} spells it, and a message that says
 * what is wrong and what to do.
 */
public record Violation(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }

    /** A user's value as a message quotes it: long values (a pasted file, a runaway URL) cut to 80 characters. */
    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
