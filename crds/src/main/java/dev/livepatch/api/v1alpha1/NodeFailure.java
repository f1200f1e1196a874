package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** One failed or stalled node, as the LivePatch status lists it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeFailure {
    private String node;
    private String reason;
    private String message;
    /** RFC 3339 time the node entered this state. */
    private String since;

    public NodeFailure() {}

    public NodeFailure(String node, String reason, String message, String since) {
        this.node = node;
        this.reason = reason;
        this.message = message;
        this.since = since;
    }

    public String getNode() { return node; }
    public void setNode(String node) { this.node = node; }
    public String getReason() { return reason; }
    public void setReason(String reason) { this.reason = reason; }
    public String getMessage() { return message; }
    public void setMessage(String message) { this.message = message; }
    public String getSince() { return since; }
    public void setSince(String since) { this.since = since; }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeFailure f && Objects.equals(node, f.node) && Objects.equals(reason, f.reason)
                && Objects.equals(message, f.message) && Objects.equals(since, f.since);
    }

    @Override
    public int hashCode() { return Objects.hash(node, reason, message, since); }
}
