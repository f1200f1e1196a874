package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The maintenance window in force, or when the next one opens (docs/design.md §6.6). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WindowStatus {
    @JsonPropertyDescription("A window is open now: nodes may be admitted.")
    private Boolean open;
    @JsonPropertyDescription("The window open now (e.g. 'Mon,Tue 02:00-04:00 Europe/Berlin'), or the next one to open.")
    private String window;
    @JsonPropertyDescription("RFC 3339 time the open window closes.")
    private String closesAt;
    @JsonPropertyDescription("RFC 3339 time the next window opens, when none is open.")
    private String nextOpensAt;

    public Boolean getOpen() { return open; }
    public void setOpen(Boolean open) { this.open = open; }
    public String getWindow() { return window; }
    public void setWindow(String window) { this.window = window; }
    public String getClosesAt() { return closesAt; }
    public void setClosesAt(String closesAt) { this.closesAt = closesAt; }
    public String getNextOpensAt() { return nextOpensAt; }
    public void setNextOpensAt(String nextOpensAt) { this.nextOpensAt = nextOpensAt; }
}
