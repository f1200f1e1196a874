package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The latest spec.rollout.retryFailed the operator acted on. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RetryStatus {
    @JsonPropertyDescription("The spec.rollout.retryFailed value.")
    private String token;
    @JsonPropertyDescription("The generation it was first seen at: nodes that failed on entries older than this are admitted again.")
    private Long generation;

    public RetryStatus() {}

    public RetryStatus(String token, Long generation) {
        this.token = token;
        this.generation = generation;
    }

    public String getToken() { return token; }
    public void setToken(String token) { this.token = token; }
    public Long getGeneration() { return generation; }
    public void setGeneration(Long generation) { this.generation = generation; }
}
