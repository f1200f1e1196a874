package dev.livepatch.api.v1alpha1;

import java.time.DayOfWeek;

/** A day of a maintenance window, as the spec spells it. */
public enum Weekday {
    Mon(DayOfWeek.MONDAY), Tue(DayOfWeek.TUESDAY), Wed(DayOfWeek.WEDNESDAY), Thu(DayOfWeek.THURSDAY), Fri(DayOfWeek.FRIDAY),
    Sat(DayOfWeek.SATURDAY), Sun(DayOfWeek.SUNDAY);

    private final DayOfWeek day;

    Weekday(DayOfWeek day) {
        this.day = day;
    }

    public DayOfWeek day() {
        return day;
    }

    public static Weekday of(DayOfWeek day) {
        return values()[day.ordinal()];
    }
}
