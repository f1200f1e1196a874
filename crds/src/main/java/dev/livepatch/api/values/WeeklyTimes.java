package dev.livepatch.api.values;

import java.time.DateTimeException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Optional;
import java.util.regex.Pattern;

/** The times of a maintenance window as the spec writes them: HH:MM and an IANA zone. */
public final class WeeklyTimes {
    private static final Pattern TIME = Pattern.compile("^([01][0-9]|2[0-3]):([0-5][0-9])$");

    private WeeklyTimes() {}

    /** Empty unless HH:MM on a 24-hour clock. */
    public static Optional<LocalTime> time(String text) {
        if (text == null) {
            return Optional.empty();
        }
        var m = TIME.matcher(text);
        return m.matches() ? Optional.of(LocalTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)))) : Optional.empty();
    }

    /** Empty unless an IANA region id (Europe/Berlin) or UTC; no fixed offsets, which ignore daylight saving time silently. */
    public static Optional<ZoneId> zone(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        if (text.equals("UTC")) {
            return Optional.of(ZoneId.of("UTC"));
        }
        try {
            ZoneId zone = ZoneId.of(text);
            return text.contains("/") ? Optional.of(zone) : Optional.empty();
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }
}
