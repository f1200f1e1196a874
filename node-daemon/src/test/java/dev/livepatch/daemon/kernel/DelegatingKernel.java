package dev.livepatch.daemon.kernel;

import dev.livepatch.api.v1alpha1.KernelCapabilities;

import java.util.List;
import java.util.Map;

/** A kernel that passes every call to another; tests override the calls they make fail, hang or crash. */
public class DelegatingKernel implements Kernel {
    private final Kernel real;

    public DelegatingKernel(Kernel real) { this.real = real; }

    @Override public String release() throws KernelException { return real.release(); }

    @Override public String bootId() throws KernelException { return real.bootId(); }

    @Override public KernelCapabilities capabilities() { return real.capabilities(); }

    @Override public List<PatchState> patches() throws KernelException { return real.patches(); }

    @Override public Map<String, Integer> modules() throws KernelException { return real.modules(); }

    @Override public java.util.Optional<String> moduleBuildId(String module) throws KernelException { return real.moduleBuildId(module); }

    @Override public void writeEnabled(String patch, boolean enabled) throws KernelException { real.writeEnabled(patch, enabled); }

    @Override public void writeReplaceable(String patch, boolean replaceable) throws KernelException { real.writeReplaceable(patch, replaceable); }

    @Override public BlockingTaskScan blockingTasks(int targetState, int max) { return real.blockingTasks(targetState, max); }
}
