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
}
