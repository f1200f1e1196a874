package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The pacing in force, which stall-awareness may have slowed below the spec's. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Pacing {
    @JsonPropertyDescription("Effective number of nodes allowed in a transition at once.")
    private Integer concurrency;
    @JsonPropertyDescription("Effective least time between two admissions.")
    private String interval;
    @JsonPropertyDescription("Why pacing is slower than the spec asks, when it is.")
    private String reason;
    @JsonPropertyDescription("RFC 3339 time of the last admission (persisted so that a restart keeps the interval).")
    private String lastAdmissionTime;
    @JsonPropertyDescription("Clean transitions since the last slow-down; pacing recovers after enough of them.")
    private Integer cleanTransitions;

    public Integer getConcurrency() { return concurrency; }
    public void setConcurrency(Integer concurrency) { this.concurrency = concurrency; }
    public String getInterval() { return interval; }
    public void setInterval(String interval) { this.interval = interval; }
    public String getReason() { return reason; }
    public void setReason(String reason) { this.reason = reason; }
    public String getLastAdmissionTime() { return lastAdmissionTime; }
    public void setLastAdmissionTime(String lastAdmissionTime) { this.lastAdmissionTime = lastAdmissionTime; }
    public Integer getCleanTransitions() { return cleanTransitions; }
    public void setCleanTransitions(Integer cleanTransitions) { this.cleanTransitions = cleanTransitions; }
}
