package dev.livepatch.operator.rollout.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WindowScheduleTest {
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    static final ZoneId UTC = ZoneId.of("UTC");

    static Window window(Set<DayOfWeek> days, String start, String end, ZoneId zone) {
        return new Window(days, LocalTime.parse(start), LocalTime.parse(end), zone);
    }

    @Test
    void noWindowsIsAlwaysOpen() {
        WindowState s = WindowSchedule.NONE.at(Instant.parse("2026-05-01T12:00:00Z"));
        assertThat(s.open()).isTrue();
        assertThat(s.scheduled()).isFalse();
        assertThat(s.changesAt()).isEmpty();
    }

    @Test
    void insideAWindowItIsOpenUntilItsEndInItsZone() {
        // 2026-05-04 is a Monday; Berlin is UTC+2 in May.
        WindowSchedule schedule = new WindowSchedule(List.of(window(EnumSet.of(DayOfWeek.MONDAY), "02:00", "04:00", BERLIN)));
        WindowState s = schedule.at(Instant.parse("2026-05-04T00:30:00Z"));
        assertThat(s.open()).isTrue();
        assertThat(s.closesAt()).isEqualTo(Instant.parse("2026-05-04T02:00:00Z"));
        assertThat(s.window().describe()).isEqualTo("Mon 02:00-04:00 Europe/Berlin");
    }

    @Test
    void theEndIsExclusiveAndThenTheNextOpeningIsAWeekLater() {
        WindowSchedule schedule = new WindowSchedule(List.of(window(EnumSet.of(DayOfWeek.MONDAY), "02:00", "04:00", BERLIN)));
        WindowState s = schedule.at(Instant.parse("2026-05-04T02:00:00Z"));
        assertThat(s.open()).isFalse();
        assertThat(s.nextOpensAt()).isEqualTo(Instant.parse("2026-05-11T00:00:00Z"));
        assertThat(s.changesAt()).contains(Instant.parse("2026-05-11T00:00:00Z"));
    }

    @Test
    void beforeTheFirstWindowTheEarliestNextOpeningIsReported() {
        WindowSchedule schedule = new WindowSchedule(List.of(
                window(EnumSet.of(DayOfWeek.FRIDAY), "20:00", "22:00", UTC),
                window(EnumSet.of(DayOfWeek.WEDNESDAY), "09:00", "10:00", UTC)));
        WindowState s = schedule.at(Instant.parse("2026-05-04T12:00:00Z")); // Monday
        assertThat(s.open()).isFalse();
        assertThat(s.nextOpensAt()).isEqualTo(Instant.parse("2026-05-06T09:00:00Z"));
        assertThat(s.window().describe()).isEqualTo("Wed 09:00-10:00 UTC");
    }

    @Test
    void anOvernightWindowBelongsToTheDayItStartsAndRunsIntoTheNext() {
        WindowSchedule schedule = new WindowSchedule(List.of(window(EnumSet.of(DayOfWeek.SATURDAY), "22:00", "06:00", UTC)));
        assertThat(schedule.at(Instant.parse("2026-05-10T05:59:00Z")).open()).as("Sunday morning, opened Saturday").isTrue();
        assertThat(schedule.at(Instant.parse("2026-05-10T05:59:00Z")).closesAt()).isEqualTo(Instant.parse("2026-05-10T06:00:00Z"));
        assertThat(schedule.at(Instant.parse("2026-05-10T22:30:00Z")).open()).as("Sunday night: Sunday is not a day of it").isFalse();
        assertThat(schedule.at(Instant.parse("2026-05-09T21:59:00Z")).open()).isFalse();
    }

    @Test
    void windowsThatTouchCloseTogether() {
        WindowSchedule schedule = new WindowSchedule(List.of(
                window(EnumSet.of(DayOfWeek.MONDAY), "01:00", "02:00", UTC),
                window(EnumSet.of(DayOfWeek.MONDAY), "02:00", "03:00", UTC)));
        assertThat(schedule.at(Instant.parse("2026-05-04T01:30:00Z")).closesAt()).isEqualTo(Instant.parse("2026-05-04T03:00:00Z"));
    }

    @Test
    void windowsCoveringTheWholeWeekStayOpenAndTheCloseIsAWeekAheadAtMost() {
        Set<DayOfWeek> every = EnumSet.allOf(DayOfWeek.class);
        WindowSchedule schedule = new WindowSchedule(List.of(window(every, "00:00", "12:00", UTC), window(every, "12:00", "00:00", UTC)));
        Instant now = Instant.parse("2026-05-04T07:00:00Z");
        WindowState s = schedule.at(now);
        assertThat(s.open()).isTrue();
        assertThat(s.closesAt()).isAfterOrEqualTo(now.plusSeconds(7 * 86400)).isBefore(now.plusSeconds(9 * 86400));
    }

    @Test
    void aStartThatDaylightSavingSkipsOpensAtTheEndOfTheGap() {
        // 2026-03-29 (Sunday): Berlin goes from 02:00 CET to 03:00 CEST (01:00Z).
        WindowSchedule schedule = new WindowSchedule(List.of(window(EnumSet.of(DayOfWeek.SUNDAY), "02:30", "04:00", BERLIN)));
        WindowState before = schedule.at(Instant.parse("2026-03-29T00:59:00Z"));
        assertThat(before.open()).isFalse();
        assertThat(before.nextOpensAt()).isEqualTo(Instant.parse("2026-03-29T01:30:00Z"));
        assertThat(schedule.at(Instant.parse("2026-03-29T01:45:00Z")).closesAt()).isEqualTo(Instant.parse("2026-03-29T02:00:00Z"));
    }

    @Test
    void theWindowFollowsDaylightSavingTime() {
        WindowSchedule schedule = new WindowSchedule(List.of(window(EnumSet.of(DayOfWeek.MONDAY), "02:00", "04:00", BERLIN)));
        assertThat(schedule.at(Instant.parse("2026-01-05T01:00:00Z")).open()).as("winter: 02:00 CET is 01:00Z").isTrue();
        assertThat(schedule.at(Instant.parse("2026-07-06T01:00:00Z")).open()).as("summer: 02:00 CEST is 00:00Z").isTrue();
        assertThat(schedule.at(Instant.parse("2026-07-06T02:30:00Z")).open()).as("summer: 04:30 CEST").isFalse();
    }

    @Test
    void anEmptyWindowIsRefused() {
        assertThatThrownBy(() -> window(EnumSet.of(DayOfWeek.MONDAY), "02:00", "02:00", UTC)).isInstanceOf(IllegalArgumentException.class);
    }
}
