package dev.livepatch.daemon.restore;

import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.daemon.converge.ConvergedSet;
import dev.livepatch.daemon.converge.Converger;
import dev.livepatch.daemon.converge.HostLock;
import dev.livepatch.daemon.converge.HostState;
import dev.livepatch.daemon.converge.HostStateStore;
import dev.livepatch.daemon.converge.PassRole;
import dev.livepatch.daemon.converge.StateFileException;
import dev.livepatch.daemon.converge.StatusAssembler;
import dev.livepatch.daemon.kernel.Kernel;
import dev.livepatch.daemon.kernel.KernelException;

import java.util.ArrayList;
import java.util.List;

/**
 * The boot restore (docs/design.md §5 rule 15): after a reboot, before the API server answers, the
 * last converged set the host records keep is applied once by the same converger and checks as
 * ever, its module files from the local cache alone. Under the host lock throughout, so the node
 * daemon waits for it (or it for the daemon's slice). It acts only on a boot nobody else has acted
 * on yet — or one it began itself and did not finish — so it never takes a node the daemon already
 * works on back to an older set.
 */
public final class BootRestore {
    /**
     * @param exitCode 0 Ready or nothing to restore, 3 not Ready, 1 the records could not be read
     * @param status   the pass's last status; null when nothing was restored
     */
    public record Outcome(int exitCode, String summary, NodeLivePatchStatus status) {}

    private BootRestore() {}

    /** Runs the restore with {@code converger} (built with the cache-only fetcher and {@link PassRole#RESTORE}). */
    public static Outcome run(HostStateStore store, Kernel kernel, Converger converger) throws InterruptedException {
        try (HostLock.Held held = store.lock().acquire(PassRole.RESTORE.holder())) {
            HostState state = store.load();
            ConvergedSet saved = state.lastConverged;
            if (saved == null || saved.spec == null) return nothing("no converged set is saved in " + store.file() + ": nothing to restore");
            String boot = kernel.bootId();
            String release = kernel.release();
            if (boot.equals(saved.bootId)) {
                return nothing("this boot (" + boot + ") has converged already (at " + saved.at + "): nothing to restore");
            }
            if (boot.equals(state.bootId) && !boot.equals(state.restoringBoot)) {
                return nothing("the node daemon already acts on this boot (" + boot + "): nothing to restore");
            }
            NodeLivePatchSpec spec = saved.spec; // read from the file just now: this pass's own copy
            List<String> otherKernel = new ArrayList<>();
            List<NodeModule> modules = new ArrayList<>();
            for (NodeModule m : spec.getModules()) {
                if (release.equals(m.getKernelRelease())) modules.add(m);
                else otherKernel.add(m.getName() + " (built for " + m.getKernelRelease() + ")");
            }
            String skipped = otherKernel.isEmpty() ? "" : "; not for this kernel " + release + ": " + String.join(", ", otherKernel);
            if (modules.isEmpty()) {
                return nothing("the set converged at " + saved.at + " (generation " + saved.generation + ") holds no module for this kernel"
                        + skipped + ": nothing to restore");
            }
            spec.setModules(saved.inLoadOrder(modules));
            NodeLivePatchStatus status = converger.settle(spec, saved.generation);
            return new Outcome(StatusAssembler.isTrue(status, "Ready") ? 0 : 3, summary(status, saved) + skipped, status);
        } catch (StateFileException e) {
            return new Outcome(1, e.getMessage(), null);
        } catch (KernelException e) {
            return new Outcome(1, "failed to read the kernel: " + e.getMessage() + "; nothing restored", null);
        }
    }

    private static Outcome nothing(String why) { return new Outcome(0, why, null); }

    private static String summary(NodeLivePatchStatus status, ConvergedSet saved) {
        List<String> restored = new ArrayList<>();
        List<String> not = new ArrayList<>();
        for (ModuleStatus m : status.getModules()) {
            if (m.getState() == ModuleState.Enabled) restored.add(m.getName());
            else not.add(m.getName() + " " + m.getState() + " " + m.getReason() + ": " + m.getMessage());
        }
        String from = " of the set converged at " + saved.at + " on boot " + saved.bootId + " (generation " + saved.generation + ")";
        String errors = status.getConditions().stream()
                .filter(c -> c.getType().equals("Degraded") && c.getStatus().equals("True") && "Error".equals(c.getReason()))
                .map(c -> "; error: " + c.getMessage()).findFirst().orElse("");
        return "restored " + restored + from + (not.isEmpty() ? "" : "; not restored: " + String.join("; ", not)) + errors;
    }
}
