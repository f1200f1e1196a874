package dev.livepatch.operator.rollout.window;

import java.time.Instant;
import java.util.Optional;

/**
 * What the maintenance windows say at one instant.
 *
 * @param open        nodes may be admitted now
 * @param window      the window open now, or the next to open; null when the spec has no windows
 * @param closesAt    when the open windows close (overlapping or touching windows count as one); null when closed or always open
 * @param nextOpensAt when the next window opens, when closed
 */
public record WindowState(boolean open, Window window, Instant closesAt, Instant nextOpensAt) {
    public static final WindowState ALWAYS_OPEN = new WindowState(true, null, null, null);

    /** The spec has windows at all. */
    public boolean scheduled() {
        return window != null;
    }

    /** When what this state says changes: the close or the next opening. */
    public Optional<Instant> changesAt() {
        return Optional.ofNullable(open ? closesAt : nextOpensAt);
    }
}
