package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.daemon.kernel.Errno;
import dev.livepatch.daemon.kernel.Kernel;
import dev.livepatch.daemon.kernel.KernelException;
import dev.livepatch.daemon.kernel.KernelLog;
import dev.livepatch.daemon.kernel.ModuleImage;
import dev.livepatch.daemon.kernel.ModuleLoader;
import dev.livepatch.daemon.plan.Action;
import dev.livepatch.daemon.plan.DesiredSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * Carries out one action through the {@link Kernel} and {@link ModuleLoader} interfaces. Each
 * decision is made durable before its action (the intent saved: a load's record and its transition,
 * a reversal's reason) and is idempotent after it: a daemon killed in between finds the kernel's
 * answer on its next look and the planner decides from that, so nothing happens twice.
 */
final class Actor {
    private static final Logger log = LoggerFactory.getLogger(Actor.class);

    private final Kernel kernel;
    private final ModuleLoader loader;
    private final KernelLog kernelLog;
    private final HealthWatching health;
    private final ConvergerSettings settings;
    /** Where intent is made durable; a save that throws means the action is not taken. */
    private final HostStateStore stateStore;
    private final Clock clock;

    Actor(Kernel kernel, ModuleLoader loader, KernelLog kernelLog, HealthWatching health, ConvergerSettings settings, HostStateStore stateStore,
          Clock clock) {
        this.clock = clock;
        this.kernel = kernel;
        this.loader = loader;
        this.kernelLog = kernelLog;
        this.health = health;
        this.settings = settings;
        this.stateStore = stateStore;
    }

    /** Takes {@code action}; returns null, or the error to report (the node's state left as the message says). */
    String act(Action action, HostState r, DesiredSet desired, Map<String, ModuleImage> images, Instant now, String incarnation)
            throws StateFileException {
        log.atInfo().addKeyValue("action", action).log("acting");
        if (action instanceof Action.Load l) return load(l, r, desired, images.get(l.module().name()), now, incarnation);
        if (action instanceof Action.Disable d) return disable(d.patch(), r, now, incarnation);
        if (action instanceof Action.Revert v) return revert(v, r);
        if (action instanceof Action.Protect p) {
            return attempt(() -> kernel.writeReplaceable(p.patch(), false),
                    "failed to mark pinned patch " + p.patch() + " non-replaceable", "no atomic replace was started");
        }
        if (action instanceof Action.Unload u) return unload(u.module(), r);
        throw new IllegalArgumentException("not an action to take: " + action);
    }

    private String load(Action.Load l, HostState r, DesiredSet desired, ModuleImage image, Instant now, String incarnation)
            throws StateFileException {
        String name = l.module().name();
        NodeModule m = desired.entry(name).orElseThrow();
        HostState.Managed rec = new HostState.Managed();
        rec.sha256 = l.module().sha256();
        rec.replaceable = l.module().replaceable();
        rec.atomicReplace = l.module().atomicReplace();
        rec.livePatch = m.getLivePatch();
        rec.loadedAt = now.toString();
        rec.seq = r.nextSeq++;
        rec.stallTimeout = m.getStallTimeout();
        rec.onStall = m.getOnStall();
        r.managed.put(name, rec);
        kernelLog.drain();
        health.started(r, m, now);
        r.inFlight = HostState.InFlight.seenBy(incarnation, name, TransitionDirection.Patching, startNow());
        r.inFlight.specKey = DesiredSet.key(m);
        stateStore.save(r);
        try {
            loader.load(image);
            return null;
        } catch (KernelException e) {
            r.managed.remove(name);
            r.inFlight = null;
            HostState.Failure f = new HostState.Failure(DesiredSet.key(m), NodeReasons.LOAD_FAILED, "failed to load module " + name + ": "
                    + e.getMessage() + "; nothing loaded" + loadHint(e.errno(), name), now.toString());
            if (e.errno() == Errno.EBUSY) {
                HostState.Failure before = r.failures.get(name);
                f.retryable = true;
                f.attempts = before == null ? 1 : before.attempts + 1;
                f.nextAttemptAt = now.plus(settings.backoff(f.attempts)).toString();
            }
            r.failures.put(name, f);
            TransitionRecord t = new TransitionRecord();
            t.setPatch(name);
            t.setDirection(TransitionDirection.Patching);
            t.setSeconds(0.0);
            t.setOutcome(TransitionOutcome.Failed);
            t.setRcuStallWarnings(0);
            t.setFinishedAt(now.toString());
            RecordKeeper.addHistory(r, t);
            stateStore.save(r);
            log.atError().addKeyValue("module", name).addKeyValue("errno", e.errno()).addKeyValue("error", e.getMessage()).log("load failed");
            return null;
        }
    }

    /**
     * A transition's time starts when its intent is saved and the kernel is asked, not at the step's start: the
     * fetch, the checks and the status of that step come before it and are not the kernel's transition.
     */
    private Instant startNow() { return clock.instant().truncatedTo(ChronoUnit.MILLIS); }

    private static String loadHint(Errno errno, String name) {
        return switch (errno) {
            case EBUSY -> " (the kernel is busy with another transition; retried)";
            case EEXIST -> " (a module named " + name + " is already loaded)";
            default -> "";
        };
    }

    private String disable(String patch, HostState r, Instant now, String incarnation) throws StateFileException {
        kernelLog.drain();
        r.inFlight = HostState.InFlight.seenBy(incarnation, patch, TransitionDirection.Unpatching, startNow());
        stateStore.save(r);
        try {
            kernel.writeEnabled(patch, false);
            return null;
        } catch (KernelException e) {
            r.inFlight = null;
            stateStore.save(r);
            if (e.errno() == Errno.EBUSY || e.errno() == Errno.ENOENT) return null; // someone's transition, or already gone: look again
            return "failed to disable patch " + patch + ": " + e.getMessage() + "; it stays enabled";
        }
    }

    private String revert(Action.Revert v, HostState r) throws StateFileException {
        HostState.InFlight f = r.inFlight;
        f.revertReason = v.reason();
        f.revertMessage = v.message();
        stateStore.save(r);
        log.atWarn().addKeyValue("patch", v.patch()).addKeyValue("reason", v.reason()).log("reversing the transition in flight");
        try {
            kernel.writeEnabled(v.patch(), f.direction == TransitionDirection.Unpatching);
            return null;
        } catch (KernelException e) {
            if (e.errno() == Errno.EINVAL) return null; // the transition ended between the read and the write: nothing to reverse
            return "failed to reverse the transition of patch " + v.patch() + ": " + e.getMessage() + "; it goes on";
        }
    }

    private String unload(String module, HostState r) throws StateFileException {
        try {
            loader.unload(module);
        } catch (KernelException e) {
            if (e.errno() != Errno.ENOENT) {
                return "failed to unload module " + module + ": " + e.getMessage() + "; it stays loaded, tried again later";
            }
        }
        r.pendingUnloads.remove(module);
        stateStore.save(r);
        log.atInfo().addKeyValue("module", module).log("unloaded after its grace period");
        return null;
    }

    private interface KernelCall {
        void run() throws KernelException;
    }

    private static String attempt(KernelCall call, String failed, String leftBehind) {
        try {
            call.run();
            return null;
        } catch (KernelException e) {
            return failed + ": " + e.getMessage() + "; " + leftBehind;
        }
    }
}
