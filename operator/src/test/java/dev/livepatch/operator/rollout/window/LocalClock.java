package dev.livepatch.operator.rollout.window;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;

/** The test oracle of a window: reads the local clock of its zone, exact where the zone has no daylight saving time. */
public final class LocalClock {
    /** Zones without daylight saving time. */
    public static final List<ZoneId> FIXED = List.of(ZoneId.of("UTC"), ZoneId.of("Asia/Tokyo"), ZoneId.of("Asia/Kolkata"));

    private LocalClock() {}

    /** The local time in {@code w}'s zone is inside an opening of it that started on one of its days. */
    public static boolean inside(Window w, Instant now) {
        LocalDateTime local = LocalDateTime.ofInstant(now, w.zone());
        LocalTime t = local.toLocalTime();
        DayOfWeek day = local.getDayOfWeek();
        if (!w.overnight()) {
            return w.days().contains(day) && !t.isBefore(w.start()) && t.isBefore(w.end());
        }
        return w.days().contains(day) && !t.isBefore(w.start()) || w.days().contains(day.minus(1)) && t.isBefore(w.end());
    }
}
