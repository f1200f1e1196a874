package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/**
 * A weekly maintenance window (docs/design.md §6.6): on each of {@code days}, from {@code start} to
 * {@code end} in {@code timeZone}. An end at or before the start runs past midnight into the next day.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.start != self.end", message = "a maintenance window's start and end must differ (an empty window never opens)",
        reason = "FieldValueInvalid")
public class MaintenanceWindow {
    public static final String TIME_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

    @Required
    @Size(min = 1, max = 7)
    @JsonPropertyDescription("Days the window opens on: Mon, Tue, Wed, Thu, Fri, Sat, Sun.")
    private List<Weekday> days = new ArrayList<>();

    @Required
    @Pattern(TIME_PATTERN)
    @Size(max = 5)
    @JsonPropertyDescription("When the window opens, HH:MM (24-hour) in timeZone.")
    private String start;

    @Required
    @Pattern(TIME_PATTERN)
    @Size(max = 5)
    @JsonPropertyDescription("When the window closes, HH:MM in timeZone; at or before start: the next day.")
    private String end;

    @Size(min = 1, max = 64)
    @JsonPropertyDescription("An IANA time zone such as Europe/Berlin (default UTC); the window follows its daylight saving time.")
    private String timeZone = "UTC";

    public MaintenanceWindow() {}

    public MaintenanceWindow(List<Weekday> days, String start, String end, String timeZone) {
        this.days = days;
        this.start = start;
        this.end = end;
        this.timeZone = timeZone;
    }

    public List<Weekday> getDays() { return days; }
    public void setDays(List<Weekday> days) { this.days = days; }
    public String getStart() { return start; }
    public void setStart(String start) { this.start = start; }
    public String getEnd() { return end; }
    public void setEnd(String end) { this.end = end; }
    public String getTimeZone() { return timeZone; }
    public void setTimeZone(String timeZone) { this.timeZone = timeZone; }
}
