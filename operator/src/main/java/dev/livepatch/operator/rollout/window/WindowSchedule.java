package dev.livepatch.operator.rollout.window;

import dev.livepatch.api.v1alpha1.MaintenanceWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A LivePatch's maintenance windows (docs/design.md §6.6): a pure function of the clock. No windows
 * means always open. Every window opens at least once a week, so the next opening is always within
 * eight days.
 */
public record WindowSchedule(List<Window> windows) {
    public static final WindowSchedule NONE = new WindowSchedule(List.of());
    private static final Duration HORIZON = Duration.ofDays(7);

    public WindowSchedule {
        windows = List.copyOf(windows);
    }

    public static WindowSchedule from(List<MaintenanceWindow> spec) {
        return spec == null || spec.isEmpty() ? NONE : new WindowSchedule(spec.stream().map(Window::from).toList());
    }

    public WindowState at(Instant now) {
        if (windows.isEmpty()) {
            return WindowState.ALWAYS_OPEN;
        }
        Optional<Opening> current = openings(now).stream().filter(o -> o.interval().contains(now)).findFirst();
        if (current.isPresent()) {
            return new WindowState(true, current.get().window(), closesAt(now), null);
        }
        Opening next = openings(now).stream().filter(o -> o.interval().from().isAfter(now))
                .min(Comparator.comparing(o -> o.interval().from())).orElseThrow();
        return new WindowState(false, next.window(), null, next.interval().from());
    }

    /**
     * The end of the run of openings that covers {@code now}: a window that opens as another closes
     * extends it. Windows that cover the whole week would never close: the run is followed a week at most.
     */
    private Instant closesAt(Instant now) {
        Instant end = now;
        Instant horizon = now.plus(HORIZON);
        boolean extended = true;
        while (extended && end.isBefore(horizon)) {
            Instant at = end;
            Optional<Instant> later = openings(at).stream().filter(o -> o.interval().contains(at)).map(o -> o.interval().until())
                    .max(Comparator.naturalOrder());
            extended = later.isPresent() && later.get().isAfter(end);
            if (extended) {
                end = later.get();
            }
        }
        return end;
    }

    private List<Opening> openings(Instant around) {
        return windows.stream().flatMap(w -> w.occurrencesAround(around).stream().map(i -> new Opening(w, i))).toList();
    }

    private record Opening(Window window, Window.Interval interval) {}
}
