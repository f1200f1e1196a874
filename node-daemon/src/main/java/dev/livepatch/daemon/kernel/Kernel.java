package dev.livepatch.daemon.kernel;

import dev.livepatch.api.v1alpha1.KernelCapabilities;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel's livepatch interface: reads of sysfs/procfs and the two attribute writes the daemon
 * ever makes ({@code enabled}, and the hybrid {@code replaceable} where it exists). It never
 * writes {@code force}: forcing a transition is a vendor's explicit instruction, not an automatic
 * action (docs/design.md §4).
 */
public interface Kernel {
    String release() throws KernelException;

    String bootId() throws KernelException;

    KernelCapabilities capabilities();

    /** Every patch directory, in the order the kernel lists them (sorted by stack_order where it exists). */
    List<PatchState> patches() throws KernelException;

    default Optional<PatchState> patch(String name) throws KernelException {
        return patches().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** Loaded modules (from /proc/modules) with their refcount (from /sys/module/&lt;m&gt;/refcnt, 0 when absent). */
    Map<String, Integer> modules() throws KernelException;

    /** The GNU build id (hex) of a loaded module, from {@code /sys/module/<m>/notes}; empty when it has none or is not loaded. */
    default Optional<String> moduleBuildId(String module) throws KernelException { return Optional.empty(); }

    /** Writes 1 or 0 to {@code enabled}. EINVAL for the current value, EBUSY while another patch transitions. */
    void writeEnabled(String patch, boolean enabled) throws KernelException;

    /** Writes the hybrid {@code replaceable} attribute; fails with ENOENT where the kernel lacks it. */
    void writeReplaceable(String patch, boolean replaceable) throws KernelException;

    /**
     * Tasks whose {@code patch_state} differs from {@code targetState} (1 patched, 0 unpatched) while a
     * transition is in flight: at most {@code max}, each with its comm and the top of its kernel stack;
     * and why not all could be read, when /proc could not be listed.
     */
    BlockingTaskScan blockingTasks(int targetState, int max);
}
