package dev.livepatch.api.values;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The parts of a maintenance window as the spec writes them: Mon..Sun, HH:MM, an IANA zone. */
public final class WeeklyTimes {
    private static final Pattern TIME = Pattern.compile("^([01][0-9]|2[0-3]):([0-5][0-9])$");
    private static final Map<String, DayOfWeek> DAYS = Map.of("Mon", DayOfWeek.MONDAY, "Tue", DayOfWeek.TUESDAY, "Wed", DayOfWeek.WEDNESDAY,
            "Thu", DayOfWeek.THURSDAY, "Fri", DayOfWeek.FRIDAY, "Sat", DayOfWeek.SATURDAY, "Sun", DayOfWeek.SUNDAY);

    private WeeklyTimes() {}

    /** Empty unless HH:MM on a 24-hour clock. */
    public static Optional<LocalTime> time(String text) {
        if (text == null) {
            return Optional.empty();
        }
        var m = TIME.matcher(text);
        return m.matches() ? Optional.of(LocalTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)))) : Optional.empty();
    }

    /** Empty unless one of Mon, Tue, Wed, Thu, Fri, Sat, Sun. */
    public static Optional<DayOfWeek> day(String text) {
        return Optional.ofNullable(text == null ? null : DAYS.get(text));
    }

    /** The spelling {@link #day} reads. */
    public static String name(DayOfWeek day) {
        return DAYS.entrySet().stream().filter(e -> e.getValue() == day).map(Map.Entry::getKey).findFirst().orElseThrow();
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
