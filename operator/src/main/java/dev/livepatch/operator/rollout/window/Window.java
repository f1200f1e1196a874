package dev.livepatch.operator.rollout.window;

import dev.livepatch.api.v1alpha1.MaintenanceWindow;
import dev.livepatch.api.v1alpha1.Weekday;
import dev.livepatch.api.values.WeeklyTimes;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One weekly maintenance window, parsed: on each of {@code days} from {@code start} to {@code end}
 * local time in {@code zone}; an end at or before the start closes the next day. A local time that
 * daylight saving skips opens (or closes) at the first instant after the gap, as
 * {@link ZonedDateTime#of} resolves it.
 */
public record Window(Set<DayOfWeek> days, LocalTime start, LocalTime end, ZoneId zone) {
    public Window {
        days = days.isEmpty() ? EnumSet.noneOf(DayOfWeek.class) : EnumSet.copyOf(days);
        if (start.equals(end)) {
            throw new IllegalArgumentException("a window's start and end must differ");
        }
    }

    /** From a spec that passed validation. */
    public static Window from(MaintenanceWindow w) {
        Set<DayOfWeek> days = w.getDays().stream().map(Weekday::day)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(DayOfWeek.class)));
        return new Window(days, WeeklyTimes.time(w.getStart()).orElseThrow(), WeeklyTimes.time(w.getEnd()).orElseThrow(),
                WeeklyTimes.zone(w.getTimeZone() == null ? "UTC" : w.getTimeZone()).orElseThrow());
    }

    public boolean overnight() {
        return !end.isAfter(start);
    }

    /** Its openings that start from one day before {@code around} to eight days after, in time order. */
    List<Interval> occurrencesAround(Instant around) {
        LocalDate today = around.atZone(zone).toLocalDate();
        return Stream.iterate(today.minusDays(1), d -> d.plusDays(1)).limit(10)
                .filter(d -> days.contains(d.getDayOfWeek()))
                .map(d -> new Interval(ZonedDateTime.of(d, start, zone).toInstant(),
                        ZonedDateTime.of(overnight() ? d.plusDays(1) : d, end, zone).toInstant()))
                .filter(i -> i.from().isBefore(i.until()))
                .toList();
    }

    /** "Mon,Tue 02:00-04:00 Europe/Berlin", as status.window shows it. */
    public String describe() {
        String names = days.stream().sorted().map(d -> Weekday.of(d).name()).collect(Collectors.joining(","));
        return names + " " + start + "-" + end + " " + zone.getId();
    }

    /** The half-open span [from, until) of one opening. */
    record Interval(Instant from, Instant until) {
        boolean contains(Instant t) {
            return !t.isBefore(from) && t.isBefore(until);
        }
    }
}
