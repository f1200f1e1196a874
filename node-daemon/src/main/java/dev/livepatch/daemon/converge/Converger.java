package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.Transition;
import dev.livepatch.daemon.health.KernelTaint;
import dev.livepatch.daemon.kernel.Kernel;
import dev.livepatch.daemon.kernel.KernelException;
import dev.livepatch.daemon.kernel.KernelLog;
import dev.livepatch.daemon.kernel.KernelSnapshot;
import dev.livepatch.daemon.kernel.ModuleImage;
import dev.livepatch.daemon.kernel.ModuleLoader;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.module.ModuleStore;
import dev.livepatch.daemon.plan.Action;
import dev.livepatch.daemon.plan.DesiredSet;
import dev.livepatch.daemon.kernel.PatchState;
import dev.livepatch.daemon.plan.NodePlanner;
import dev.livepatch.daemon.time.Sleeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Converges the kernel to a NodeLivePatch spec in bounded slices. A slice is a loop of steps, each:
 * decide ({@link StepDecider}: read one {@link KernelSnapshot} → reconcile the host records with it
 * ({@link RecordKeeper}, pure) → fetch and verify the module files that may be loaded
 * ({@link ModuleFiles}) → ONE next action ({@link NodePlanner}, pure)) → save the records and
 * publish the status → act ({@link Actor}). A slice ends when the planner says wait (a transition in flight: the caller comes
 * back after {@code poll}, re-reading its spec first) or done, so a spec change, a switch to
 * {@code onStall: Revert} or a deletion is seen while a transition is stalled.
 *
 * <p>Nothing is kept in memory across steps but the last status and the blocking tasks last read:
 * the records on the host and the kernel are the truth, so a new instance (a restarted daemon)
 * resumes where the old one was killed. One instance is one daemon process (its incarnation).
 */
public final class Converger {
    private static final Logger log = LoggerFactory.getLogger(Converger.class);

    /**
     * What a slice ended with: the status published, when to come back, whether nothing can be done
     * before then but wait for timers, and whether one of those timers is an early retry of a
     * transient failure (one-shot mode waits for those).
     */
    public record Slice(NodeLivePatchStatus status, Instant wakeAt, boolean settled, boolean retrying) {
        Slice(NodeLivePatchStatus status, Instant wakeAt, boolean settled) {
            this(status, wakeAt, settled, false);
        }
    }

    /** Attempts of a transient failure one-shot mode waits for before it reports the module Retrying and ends. */
    private static final int ONE_SHOT_ATTEMPTS = 5;

    private final Kernel kernel;
    private final HostStateStore stateStore;
    private final Clock clock;
    private final Sleeper sleeper;
    private final ConvergerSettings settings;
    private final DaemonMetrics metrics;
    private final Consumer<NodeLivePatchStatus> publisher;
    private final ModuleFiles files;
    private final Actor actor;
    private final String incarnation = UUID.randomUUID().toString();
    private final StepDecider decider;
    private final HealthWatching health;
    private final PassRole role;
    private NodeLivePatchStatus last;

    public Converger(Kernel kernel, ModuleLoader loader, ModuleStore store, KernelLog kernelLog, KernelTaint taint, HostStateStore stateStore,
                     Clock clock, Sleeper sleeper, ConvergerSettings settings, DaemonMetrics metrics, Consumer<NodeLivePatchStatus> publisher) {
        this(kernel, loader, store, kernelLog, taint, stateStore, clock, sleeper, settings, metrics, publisher, PassRole.DAEMON);
    }

    public Converger(Kernel kernel, ModuleLoader loader, ModuleStore store, KernelLog kernelLog, KernelTaint taint, HostStateStore stateStore,
                     Clock clock, Sleeper sleeper, ConvergerSettings settings, DaemonMetrics metrics, Consumer<NodeLivePatchStatus> publisher,
                     PassRole role) {
        this.role = role;
        this.kernel = kernel;
        this.health = new HealthWatching(kernelLog, taint);
        KernelLog tapped = health.tapped();
        this.stateStore = stateStore;
        this.clock = clock;
        this.sleeper = sleeper;
        this.settings = settings;
        this.metrics = metrics;
        this.publisher = publisher;
        this.files = new ModuleFiles(store, settings);
        this.decider = new StepDecider(kernel, tapped, files, health, settings, metrics, incarnation);
        this.actor = new Actor(kernel, loader, tapped, health, settings, stateStore, clock);
    }

    /** The last status published. */
    public NodeLivePatchStatus lastStatus() { return last; }

    /** Slices until nothing is left but timers, early retries and bakes waited for (one-shot mode, tests); the host lock held throughout. */
    public NodeLivePatchStatus converge(NodeLivePatchSpec spec, long generation) throws InterruptedException {
        return pass(spec, generation, true);
    }

    /** Slices until settled or stalled, the host lock held throughout; retries, bakes and stalls left to the daemon (restore, §5 rule 15). */
    public NodeLivePatchStatus settle(NodeLivePatchSpec spec, long generation) throws InterruptedException {
        return pass(spec, generation, false);
    }

    private NodeLivePatchStatus pass(NodeLivePatchSpec spec, long generation, boolean waitForTimers) throws InterruptedException {
        try (HostLock.Held held = stateStore.lock().acquire(role.holder())) {
            Slice s = slice(spec, generation);
            while (!s.settled() || (waitForTimers && s.retrying())) {
                if (!waitForTimers && StatusAssembler.isTrue(s.status(), "Stalled")) break;
                Duration d = Duration.between(now(), s.wakeAt());
                if (!d.isNegative() && !d.isZero()) sleeper.sleep(d);
                s = slice(spec, generation);
            }
            return s.status();
        } catch (StateFileException e) {
            return unlocked(spec, generation, e).status();
        }
    }

    /** One bounded slice against {@code spec}, the host lock held (docs/design.md §5 rule 15). */
    public Slice slice(NodeLivePatchSpec spec, long generation) {
        try (HostLock.Held held = stateStore.lock().acquire(role.holder())) {
            return sliceHoldingLock(spec, generation);
        } catch (StateFileException e) {
            return unlocked(spec, generation, e);
        }
    }

    /** The lock could not be taken: the status from the kernel and the records as they are, nothing done. */
    private Slice unlocked(NodeLivePatchSpec spec, long generation, StateFileException e) {
        HostState records = new HostState();
        try {
            records = stateStore.load();
        } catch (StateFileException unreadable) { /* the status then shows loaded patches unmanaged */ }
        return degraded(spec, generation, e.getMessage(), records);
    }

    private Slice sliceHoldingLock(NodeLivePatchSpec spec, long generation) {
        DesiredSet desired = new DesiredSet(spec);
        HostState records;
        String error = null;
        try {
            records = stateStore.load();
        } catch (StateFileException e) {
            try {
                error = e.getMessage() + "; moved aside to " + stateStore.moveAside(now()) + " and the records rebuilt from the kernel "
                        + "(patches the spec names are adopted where the loaded module's build id is the spec's file's, others are "
                        + "reported unmanaged); nothing changed in the kernel by this slice";
                records = new HostState();
            } catch (StateFileException aside) {
                return degraded(spec, generation, aside.getMessage() + "; the kernel was left as it is", new HostState());
            }
        }
        boolean rebuilt = error != null;
        for (int step = 0; step < settings.maxStepsPerPass(); step++) {
            Instant now = now();
            StepDecider.Decided decided;
            try {
                decided = decider.decide(records, desired, now);
            } catch (KernelException e) {
                return degraded(spec, generation, "failed to read the kernel: " + e.getMessage() + "; nothing changed, the records kept", records);
            }
            records = decided.records();
            KernelSnapshot k = decided.kernel();
            Map<String, ModuleImage> images = decided.images();
            NodePlanner.Decision d = decided.decision();
            Transition transition = decided.transition();
            try {
                records.restoringBoot = role == PassRole.RESTORE ? k.bootId() : null;
                try {
                    stateStore.save(records);
                } catch (StateFileException e) {
                    return degraded(spec, generation, e.getMessage() + "; no action taken", records);
                }
                NodeLivePatchStatus status = publish(new StatusAssembler.Inputs(spec, generation, k, records, StepOutcomes.holds(d.plan()),
                        d.plan().heldRetirements(), transition, d.stalled(), error, last, now));
                Action a = d.action();
                if (rebuilt) return new Slice(status, now.plus(settings.poll()), false);
                if (a instanceof Action.Done done) {
                    List<String> stack = NodePlanner.stack(k.patches(), records).stream().map(PatchState::name).toList();
                    if (ConvergedSet.record(records, spec, generation, status, stack, now)) stateStore.save(records);
                    if (role != PassRole.RESTORE) files.prune(desired, records); // restore knows no newer spec whose files the cache holds
                    boolean retrying = records.failures.values().stream().anyMatch(f -> f.retryable && f.attempts < ONE_SHOT_ATTEMPTS);
                    // A bake in progress: look again within the poll interval, and one-shot mode waits for its verdict.
                    boolean baking = HealthWatching.baking(records);
                    Instant wake = baking && (done.wakeAt() == null || done.wakeAt().isAfter(now.plus(settings.poll()))) ? now.plus(settings.poll()) : done.wakeAt();
                    return new Slice(status, wake, true, retrying || baking);
                }
                if (a instanceof Action.Wait w) return new Slice(status, TransitionLooks.next(records.inFlight, now, w.until()), false);
                error = actor.act(a, records, desired, images, now, incarnation);
                if (error != null) {
                    log.atError().addKeyValue("action", a).addKeyValue("error", error).log("action failed");
                    return new Slice(publish(new StatusAssembler.Inputs(spec, generation, k, records, StepOutcomes.holds(d.plan()), d.plan().heldRetirements(),
                            transition, d.stalled(), error, last, now)), now.plus(settings.retryBackoff()), true);
                }
            } catch (StateFileException e) {
                return degraded(spec, generation, e.getMessage() + "; the action was not taken", records);
            } finally {
                images.values().forEach(ModuleImage::close);
            }
        }
        return new Slice(last, now().plus(settings.poll()), false);
    }

    private Slice degraded(NodeLivePatchSpec spec, long generation, String error, HostState records) {
        log.atError().addKeyValue("error", error).log("slice ended degraded");
        KernelSnapshot k = null;
        try {
            k = KernelSnapshot.read(kernel);
        } catch (KernelException ignored) {
            // the status says the kernel could not be read
        }
        NodeLivePatchStatus s = publish(new StatusAssembler.Inputs(spec, generation, k, records, Map.of(), List.of(), null, false, error, last, now()));
        return new Slice(s, now().plus(settings.retryBackoff()), true);
    }

    private NodeLivePatchStatus publish(StatusAssembler.Inputs in) {
        NodeLivePatchStatus s = StatusAssembler.assemble(in);
        long managed = s.getPatches().stream().filter(p -> Boolean.TRUE.equals(p.getManaged())).count();
        metrics.patchesLoaded((int) managed, (int) (s.getPatches().size() - managed));
        last = s;
        publisher.accept(s);
        return s;
    }

    private Instant now() { return clock.instant().truncatedTo(ChronoUnit.MILLIS); }

}
