package dev.livepatch.operator.rollout.window;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class WindowSchedulePropertiesTest {
    static final Instant YEAR_START = Instant.parse("2026-01-01T00:00:00Z");
    static final List<ZoneId> ANY = List.of(ZoneId.of("UTC"), ZoneId.of("Asia/Tokyo"), ZoneId.of("Europe/Berlin"),
            ZoneId.of("America/New_York"), ZoneId.of("Australia/Lord_Howe"));

    /** Open exactly when the local time is inside a window that started on one of its days (zones without DST). */
    @Property(tries = 2000)
    void openExactlyWhenTheLocalClockIsInsideAWindow(@ForAll("fixedZoneSchedules") WindowSchedule schedule, @ForAll("instants") Instant now) {
        boolean expected = schedule.windows().stream().anyMatch(w -> LocalClock.inside(w, now));
        assertThat(schedule.at(now).open()).isEqualTo(expected);
    }

    /** Closed from now until nextOpensAt (sampled), open at it, and it comes within eight days. */
    @Property(tries = 1000)
    void closedUntilTheNextOpening(@ForAll("anySchedules") WindowSchedule schedule, @ForAll("instants") Instant now) {
        WindowState s = schedule.at(now);
        if (s.open()) {
            return;
        }
        assertThat(s.nextOpensAt()).isAfter(now).isBefore(now.plus(Duration.ofDays(8)));
        samples(now, s.nextOpensAt()).forEach(t -> assertThat(schedule.at(t).open()).as("at %s", t).isFalse());
        assertThat(schedule.at(s.nextOpensAt()).open()).isTrue();
    }

    /** Open from now until closesAt (sampled), and closed at it unless the windows cover a whole week. */
    @Property(tries = 1000)
    void openUntilItCloses(@ForAll("anySchedules") WindowSchedule schedule, @ForAll("instants") Instant now) {
        WindowState s = schedule.at(now);
        if (!s.open()) {
            return;
        }
        assertThat(s.closesAt()).isAfter(now);
        samples(now, s.closesAt()).forEach(t -> assertThat(schedule.at(t).open()).as("at %s", t).isTrue());
        if (s.closesAt().isBefore(now.plus(Duration.ofDays(7)))) {
            assertThat(schedule.at(s.closesAt()).open()).isFalse();
        }
    }

    static List<Instant> samples(Instant from, Instant until) {
        long span = Duration.between(from, until).toSeconds();
        return IntStream.range(0, 12).mapToObj(i -> from.plusSeconds(span * i / 12)).toList();
    }

    @Provide
    Arbitrary<Instant> instants() {
        return Arbitraries.longs().between(0, 366L * 86400).map(YEAR_START::plusSeconds);
    }

    @Provide
    Arbitrary<WindowSchedule> fixedZoneSchedules() {
        return schedules(Arbitraries.of(LocalClock.FIXED));
    }

    @Provide
    Arbitrary<WindowSchedule> anySchedules() {
        return schedules(Arbitraries.of(ANY));
    }

    private static Arbitrary<WindowSchedule> schedules(Arbitrary<ZoneId> zones) {
        Arbitrary<Set<DayOfWeek>> days = Arbitraries.of(DayOfWeek.class).set().ofMinSize(1).ofMaxSize(7).map(EnumSet::copyOf);
        Arbitrary<LocalTime> times = Arbitraries.integers().between(0, 24 * 4 - 1).map(q -> LocalTime.of(q / 4, q % 4 * 15));
        Arbitrary<Window> window = Combinators.combine(days, times, times, zones).filter((d, s, e, z) -> !s.equals(e)).as(Window::new);
        return window.list().ofMinSize(1).ofMaxSize(4).map(WindowSchedule::new);
    }
}
