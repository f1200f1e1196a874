package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** A task that has not yet switched to the transition's target state, and where it sits. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BlockingTask {
    public static final int MAX_STACK_FRAMES = 8;

    private Integer pid;
    private String comm;
    @Size(max = MAX_STACK_FRAMES)
    private List<String> stack = new ArrayList<>();

    public BlockingTask() {}

    public BlockingTask(int pid, String comm, List<String> stack) {
        this.pid = pid;
        this.comm = comm;
        this.stack = stack;
    }

    public Integer getPid() { return pid; }
    public void setPid(Integer pid) { this.pid = pid; }
    public String getComm() { return comm; }
    public void setComm(String comm) { this.comm = comm; }
    public List<String> getStack() { return stack; }
    public void setStack(List<String> stack) { this.stack = stack; }
}
