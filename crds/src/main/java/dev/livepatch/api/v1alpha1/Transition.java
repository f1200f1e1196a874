package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** The one kernel transition in flight on a node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Transition {
    public static final int MAX_BLOCKING_TASKS = 10;

    private String patch;
    private TransitionDirection direction;
    private String startedAt;
    @Size(max = MAX_BLOCKING_TASKS)
    private List<BlockingTask> blockingTasks = new ArrayList<>();

    public String getPatch() { return patch; }
    public void setPatch(String patch) { this.patch = patch; }
    public TransitionDirection getDirection() { return direction; }
    public void setDirection(TransitionDirection direction) { this.direction = direction; }
    public String getStartedAt() { return startedAt; }
    public void setStartedAt(String startedAt) { this.startedAt = startedAt; }
    public List<BlockingTask> getBlockingTasks() { return blockingTasks; }
    public void setBlockingTasks(List<BlockingTask> blockingTasks) { this.blockingTasks = blockingTasks; }
}
