package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.daemon.kernel.KernelSnapshot;
import dev.livepatch.daemon.kernel.PatchState;
import dev.livepatch.daemon.plan.DesiredSet;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reconciles the daemon's host records with one kernel snapshot and the desired set: a pure
 * function, run at the start of every step. The kernel is the truth for what is loaded; the records
 * add what the kernel cannot say (who loaded a patch, in which order, when its rmmod is due, why a
 * module failed). Nothing here acts on the kernel.
 */
public final class RecordKeeper {
    /** @param incarnation this daemon process; time is counted only between two looks of the same one */
    public record Context(Instant now, String incarnation, Duration unloadGrace, Duration retireRetry) {}

    /** @param finished transitions that ended since the last look, oldest first */
    public record Result(HostState state, List<TransitionRecord> finished, boolean rebooted) {}

    private RecordKeeper() {}

    public static Result reconcile(HostState prior, KernelSnapshot kernel, DesiredSet desired, Context c) {
        HostState s = prior.copy();
        boolean rebooted = !kernel.bootId().equals(s.bootId);
        if (rebooted) s.rebooted(kernel.bootId());
        retainAndAdopt(s, kernel, desired);
        List<TransitionRecord> finished = new ArrayList<>();
        observeTransition(s, kernel, desired, c, finished);
        followSpec(s, desired); // after: a transition that ended for an older spec leaves a failure of that spec, cleared here
        forgetVanished(s, kernel, c);
        return new Result(s, finished, rebooted && prior.bootId != null);
    }

    /** Retain: a patch the spec leaves loaded is no longer managed. A spec that names the same build again adopts it back. */
    private static void retainAndAdopt(HostState s, KernelSnapshot kernel, DesiredSet desired) {
        for (String r : desired.retained()) {
            if (desired.names().contains(r)) continue;
            HostState.Managed m = s.managed.remove(r);
            if (m != null) s.retained.put(r, m);
        }
        s.retained.keySet().removeIf(name -> kernel.patch(name).isEmpty());
        for (NodeModule m : desired.modules()) {
            HostState.Managed r = s.retained.get(m.getName());
            if (r != null && r.sha256.equals(m.getSource().getSha256()) && !s.managed.containsKey(m.getName())) {
                s.managed.put(m.getName(), s.retained.remove(m.getName()));
            }
        }
    }

    /** Failures clear when their spec entry changes; the same build under a new flag or owner: the record follows the spec. */
    private static void followSpec(HostState s, DesiredSet desired) {
        s.failures.entrySet().removeIf(f -> desired.entry(f.getKey()).map(m -> !DesiredSet.key(m).equals(f.getValue().specKey)).orElse(true));
        for (NodeModule m : desired.modules()) {
            HostState.Managed rec = s.managed.get(m.getName());
            if (rec != null && rec.sha256.equals(m.getSource().getSha256())) {
                rec.replaceable = !m.isPinned();
                rec.livePatch = m.getLivePatch();
                rec.stallTimeout = m.getStallTimeout();
                rec.onStall = m.getOnStall();
            }
        }
    }

    private static void observeTransition(HostState s, KernelSnapshot kernel, DesiredSet desired, Context c, List<TransitionRecord> finished) {
        Optional<PatchState> now = kernel.inTransition();
        HostState.InFlight f = s.inFlight;
        if (f != null && (now.isEmpty() || !now.get().name().equals(f.patch))) {
            close(s, f, kernel, desired, c, finished);
            s.inFlight = f = null;
        }
        if (now.isEmpty()) return;
        if (f == null) {
            // Not started by this daemon, or started before its records knew: timed from now on.
            f = HostState.InFlight.seenBy(c.incarnation(), now.get().name(), direction(now.get()), c.now());
            s.inFlight = f;
        }
        f.seen = true;
        f.lookedAt(c.incarnation(), c.now());
    }

    /** The recorded transition is no longer in the kernel: how it ended, from what the kernel shows now. */
    private static void close(HostState s, HostState.InFlight f, KernelSnapshot kernel, DesiredSet desired, Context c, List<TransitionRecord> finished) {
        f.lookedAt(c.incarnation(), c.now()); // it ended since the last look
        Optional<PatchState> p = kernel.patch(f.patch);
        boolean patching = f.direction == TransitionDirection.Patching;
        boolean reached = patching ? p.map(PatchState::enabled).orElse(false) : p.isEmpty();
        boolean happened = reached || f.seen || (patching ? p.isPresent() || kernel.moduleLoaded(f.patch) : p.map(x -> !x.enabled()).orElse(false));
        if (!happened) {
            // Intent recorded, action never taken (a crash in between, or the action failed): nothing to time.
            if (patching) s.managed.remove(f.patch);
            return;
        }
        TransitionOutcome outcome = reached ? (f.stalled ? TransitionOutcome.CompletedAfterStall : TransitionOutcome.Completed) : TransitionOutcome.Reverted;
        TransitionRecord r = new TransitionRecord();
        r.setPatch(f.patch);
        r.setDirection(f.direction);
        r.setSeconds(f.observedMillis / 1000.0);
        r.setOutcome(outcome);
        r.setRcuStallWarnings(f.rcuWarnings);
        r.setFinishedAt(c.now().toString());
        addHistory(s, r);
        finished.add(r);
        if (outcome != TransitionOutcome.Reverted) return;
        if (patching) {
            String reason = f.revertReason == null ? NodeReasons.STALL_REVERTED : f.revertReason;
            desired.entry(f.patch).ifPresent(m -> s.failures.put(f.patch, new HostState.Failure(f.specKey != null ? f.specKey : DesiredSet.key(m),
                    reason, f.revertMessage != null ? f.revertMessage : revertMessage(reason, m, f.blockingTasks), c.now().toString())));
        } else {
            s.retireRetryAfter.put(f.patch, c.now().plus(c.retireRetry()).toString());
        }
    }

    private static String revertMessage(String reason, NodeModule m, String blockingTasks) {
        if (NodeReasons.HYBRID_UNSUPPORTED.equals(reason)) {
            return "failed to load module " + m.getName() + ": it is built with atomic replace and the spec changed while it loaded, so its "
                    + "transition would have swept patches the spec now keeps; reversed, the patch is disabled and its module unloaded after "
                    + "the grace period (rebuild it without atomic replace, e.g. kpatch-build --non-replace)";
        }
        if (NodeReasons.ATOMIC_REPLACE_UNDECLARED.equals(reason)) {
            return "failed to load module " + m.getName() + ": the kernel shows it built with atomic replace (replace=1) but the spec declares "
                    + "atomicReplace: false, so its transition would have swept every other patch; reversed, the patch is disabled and its module "
                    + "unloaded after the grace period (declare atomicReplace: true, or rebuild it without atomic replace, e.g. kpatch-build --non-replace)";
        }
        return "failed to enable patch " + m.getName() + ": its transition outlasted stallTimeout " + m.getStallTimeout()
                + " (blocking tasks: " + (blockingTasks == null ? "none seen" : blockingTasks) + "); reversed, the patch is disabled and its module is "
                + "unloaded after the grace period";
    }

    /**
     * Adopts the loaded patches the spec names that the records do not know (records lost, a retained
     * patch forgotten) when the loaded module is the spec's build: its build id, read from the kernel,
     * equals the verified file's. Returns their names. Without a matching build id a patch stays
     * unmanaged (never touched): a name is not an identity.
     */
    public static List<String> adopt(HostState s, KernelSnapshot kernel, DesiredSet desired, java.util.Map<String, String> desiredBuildIds) {
        List<String> adopted = new ArrayList<>();
        for (NodeModule m : desired.modules()) {
            String name = m.getName();
            String id = desiredBuildIds.get(name);
            if (s.managed.containsKey(name) || id == null || !id.equals(kernel.buildIds().get(name))) continue;
            HostState.Managed rec = new HostState.Managed();
            rec.sha256 = m.getSource().getSha256();
            rec.replaceable = !m.isPinned();
            rec.atomicReplace = m.isAtomicReplace();
            rec.livePatch = m.getLivePatch();
            rec.seq = s.nextSeq++; // its real place in the load order is unknown: taken as the newest
            rec.adopted = true;
            rec.stallTimeout = m.getStallTimeout();
            rec.onStall = m.getOnStall();
            s.managed.put(name, rec);
            s.retained.remove(name);
            adopted.add(name);
        }
        return adopted;
    }

    static void addHistory(HostState s, TransitionRecord r) {
        s.lastTransitions.add(r);
        while (s.lastTransitions.size() > NodeLivePatchStatus.MAX_LAST_TRANSITIONS) s.lastTransitions.remove(0);
    }

    /** A managed patch whose directory vanished becomes a pending unload (or is forgotten when its module is gone too). */
    private static void forgetVanished(HostState s, KernelSnapshot kernel, Context c) {
        for (String name : List.copyOf(s.managed.keySet())) {
            if (kernel.patch(name).isPresent()) continue;
            if (s.inFlight != null && s.inFlight.patch.equals(name)) continue;
            s.managed.remove(name);
            if (kernel.moduleLoaded(name) && !s.pendingUnloads.containsKey(name)) {
                s.pendingUnloads.put(name, new HostState.Pending(c.now().toString(), c.now().plus(c.unloadGrace()).toString()));
            }
        }
        s.pendingUnloads.keySet().removeIf(m -> !kernel.moduleLoaded(m));
        s.retireRetryAfter.keySet().removeIf(p -> kernel.patch(p).isEmpty());
    }

    private static TransitionDirection direction(PatchState p) {
        return p.enabled() ? TransitionDirection.Patching : TransitionDirection.Unpatching;
    }
}
