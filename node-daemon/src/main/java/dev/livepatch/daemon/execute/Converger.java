package dev.livepatch.daemon.execute;

import dev.livepatch.api.v1alpha1.BlockingTask;
import dev.livepatch.api.v1alpha1.KernelCapabilities;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.v1alpha1.Transition;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionOutcome;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.api.values.KubeDuration;
import dev.livepatch.daemon.kernel.Errno;
import dev.livepatch.daemon.kernel.Kernel;
import dev.livepatch.daemon.kernel.KernelException;
import dev.livepatch.daemon.kernel.KernelLog;
import dev.livepatch.daemon.kernel.KmsgEvent;
import dev.livepatch.daemon.kernel.ModuleImage;
import dev.livepatch.daemon.kernel.ModuleLoader;
import dev.livepatch.daemon.kernel.PatchState;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.module.ModuleException;
import dev.livepatch.daemon.module.ModuleStore;
import dev.livepatch.daemon.plan.HybridPlanner;
import dev.livepatch.daemon.plan.Plan;
import dev.livepatch.daemon.plan.PlanInput;
import dev.livepatch.daemon.plan.Step;
import dev.livepatch.daemon.time.Sleeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The executor: converges the kernel to a NodeLivePatch spec, one kernel transition at a time.
 *
 * <p>Each pass reads the kernel first and never trusts memory (DESIGN §5 rule 6): a new boot id
 * resets the records and re-applies the spec from the module cache; a transition found in flight
 * (ours after a restart, or anyone's) is awaited before anything else; records of patches that
 * vanished become pending unloads. Then it fetches and verifies the module files it needs, asks
 * the pure {@link HybridPlanner} for steps, runs the first one, and plans again.
 *
 * <p>Every transition is timed with the injected clock; past its stallTimeout the node reports
 * it {@code Stalled} with the blocking tasks and applies onStall: {@code Revert} writes the
 * opposite value to {@code enabled} and waits for the reversal (a reverted load ends Failed with
 * {@code StallReverted}), {@code Wait} keeps waiting (outcome CompletedAfterStall). Modules whose
 * patch is gone (retired, replaced or reverted) are rmmod'ed only after the unload grace period
 * (rule 7), which is persisted, so a restart does not shorten it.
 *
 * <p>Not thread-safe: one caller (the node agent's worker) drives it. Status goes out through the
 * {@code publisher} after each step and while a transition is stalled.
 */
public final class Converger {
    private static final Logger log = LoggerFactory.getLogger(Converger.class);
    private static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(120);
    private static final int REFRESH_BLOCKING_EVERY = 10;

    private final Kernel kernel;
    private final ModuleLoader loader;
    private final ModuleStore store;
    private final KernelLog kernelLog;
    private final HostStateStore stateStore;
    private final Clock clock;
    private final Sleeper sleeper;
    private final ExecutorSettings settings;
    private final DaemonMetrics metrics;
    private final Consumer<NodeLivePatchStatus> publisher;

    private HostState state;
    private NodeLivePatchSpec spec = new NodeLivePatchSpec();
    private long generation;
    private final Map<String, String> holds = new HashMap<>();
    private Transition transition;
    private boolean stalled;
    private String error;
    private NodeLivePatchStatus last;

    public Converger(Kernel kernel, ModuleLoader loader, ModuleStore store, KernelLog kernelLog, HostStateStore stateStore,
                     Clock clock, Sleeper sleeper, ExecutorSettings settings, DaemonMetrics metrics, Consumer<NodeLivePatchStatus> publisher) {
        this.kernel = kernel;
        this.loader = loader;
        this.store = store;
        this.kernelLog = kernelLog;
        this.stateStore = stateStore;
        this.clock = clock;
        this.sleeper = sleeper;
        this.settings = settings;
        this.metrics = metrics;
        this.publisher = publisher;
        this.state = loadState();
    }

    /** The last status published. */
    public NodeLivePatchStatus lastStatus() { return last; }

    /** Runs passes until the kernel matches {@code spec}, nothing more can be done now, or a step fails; returns the status. */
    public NodeLivePatchStatus converge(NodeLivePatchSpec desired, long gen) throws InterruptedException {
        this.spec = desired == null ? new NodeLivePatchSpec() : desired;
        this.generation = gen;
        this.error = null;
        holds.clear();
        try {
            state = loadState();
            checkBoot();
            if (!kernel.capabilities().getLivepatch()) return publish();
            forgetRetainedAndStaleFailures();
            for (int i = 0; i < settings.maxStepsPerPass(); i++) {
                reconcileRecords();
                if (awaitTransitionInFlight()) continue;
                unloadDue();
                Map<String, ModuleImage> files = fetchNeeded();
                Plan plan = HybridPlanner.plan(planInput(files));
                recordRefusals(plan);
                Optional<Step> step = plan.steps().stream().filter(this::actionable).findFirst();
                if (step.isEmpty()) break;
                publish();
                if (!execute(step.get(), files)) break;
            }
        } catch (KernelException e) {
            error = "failed to read the kernel: " + e.getMessage() + "; nothing changed by this pass";
            log.atError().addKeyValue("error", e.getMessage()).log("kernel read failed");
        }
        return publish();
    }

    // ---- observe ----

    private void checkBoot() throws KernelException {
        String bootId = kernel.bootId();
        if (!bootId.equals(state.bootId)) {
            if (state.bootId != null) {
                log.atInfo().addKeyValue("previousBootId", state.bootId).addKeyValue("bootId", bootId)
                        .log("node rebooted: forgetting loaded patches, re-applying the spec from the module cache");
            }
            state.rebooted(bootId);
            save();
        }
    }

    private void forgetRetainedAndStaleFailures() {
        Set<String> desired = spec.getModules().stream().map(NodeModule::getName).collect(Collectors.toSet());
        for (String r : spec.getRetained()) {
            if (!desired.contains(r) && state.managed.remove(r) != null) {
                log.atInfo().addKeyValue("patch", r).log("retained: patch left loaded and no longer managed");
            }
        }
        state.failures.entrySet().removeIf(f -> specEntry(f.getKey()).map(m -> !specKey(m).equals(f.getValue().specKey)).orElse(true));
        // The same build under a new flag (pinned <-> replaceable, a new LivePatch owner): the record follows the spec.
        for (NodeModule m : spec.getModules()) {
            HostState.Managed rec = state.managed.get(m.getName());
            if (rec != null && rec.sha256.equals(m.getSource().getSha256())) {
                rec.replaceable = !m.isPinned();
                rec.livePatch = m.getLivePatch();
                rec.stallTimeout = m.getStallTimeout();
                rec.onStall = m.getOnStall();
            }
        }
        save();
    }

    /** Records vs kernel: a managed patch whose dir vanished is a pending unload (or forgotten when its module is gone too). */
    private void reconcileRecords() throws KernelException {
        Set<String> patches = kernel.patches().stream().map(PatchState::name).collect(Collectors.toSet());
        Map<String, Integer> modules = kernel.modules();
        boolean changed = false;
        for (String name : List.copyOf(state.managed.keySet())) {
            if (patches.contains(name)) continue;
            state.managed.remove(name);
            changed = true;
            if (modules.containsKey(name) && !state.pendingUnloads.containsKey(name)) {
                Instant now = now();
                state.pendingUnloads.put(name, new HostState.Pending(now.toString(), now.plus(settings.unloadGrace()).toString()));
                log.atInfo().addKeyValue("module", name).addKeyValue("unloadAfter", now.plus(settings.unloadGrace()))
                        .log("patch gone; module rmmod delayed by the grace period");
            }
        }
        changed |= state.pendingUnloads.keySet().removeIf(m -> !modules.containsKey(m));
        if (changed) save();
    }

    // ---- transitions ----

    /** Awaits a transition in flight, if any (or closes the record of one that ended while we were away). True when one was handled. */
    private boolean awaitTransitionInFlight() throws KernelException, InterruptedException {
        Optional<PatchState> inKernel = kernel.patches().stream().filter(PatchState::transition).findFirst();
        HostState.InFlight f = state.inFlight;
        if (inKernel.isEmpty()) {
            if (f == null) return false;
            finish(f, f.reverting ? TransitionOutcome.Reverted : f.stalled ? TransitionOutcome.CompletedAfterStall : TransitionOutcome.Completed, 0);
            return true;
        }
        PatchState p = inKernel.get();
        TransitionDirection kernelDirection = p.enabled() ? TransitionDirection.Patching : TransitionDirection.Unpatching;
        if (f == null || !f.patch.equals(p.name())) {
            f = new HostState.InFlight(p.name(), kernelDirection, now().toString()); // not ours, or started before our record
            state.inFlight = f;
            save();
        }
        log.atInfo().addKeyValue("patch", f.patch).addKeyValue("direction", kernelDirection).log("awaiting transition");
        await(f);
        return true;
    }

    private void await(HostState.InFlight f) throws KernelException, InterruptedException {
        Instant started = Instant.parse(f.startedAt);
        Duration stallTimeout = stallTimeout(f.patch);
        boolean managed = state.managed.containsKey(f.patch);
        OnStall onStall = managed ? onStall(f.patch) : OnStall.Wait; // an unmanaged patch is never touched
        transition = new Transition();
        transition.setPatch(f.patch);
        transition.setDirection(f.direction);
        transition.setStartedAt(f.startedAt);
        stalled = f.stalled;
        int rcu = 0;
        int polls = 0;
        publish();
        while (true) {
            rcu += rcuWarnings(kernelLog.drain());
            Optional<PatchState> p = kernel.patch(f.patch);
            if (p.isEmpty() || !p.get().transition()) break;
            int target = p.get().enabled() ? 1 : 0;
            if (!f.stalled && Duration.between(started, now()).compareTo(stallTimeout) > 0) {
                f.stalled = true;
                stalled = true;
                save();
                metrics.stalled();
                transition.setBlockingTasks(kernel.blockingTasks(target, Transition.MAX_BLOCKING_TASKS));
                log.atWarn().addKeyValue("patch", f.patch).addKeyValue("direction", f.direction).addKeyValue("stallTimeout", KubeDuration.format(stallTimeout))
                        .addKeyValue("onStall", onStall).addKeyValue("blockingTasks", describe(transition.getBlockingTasks())).log("transition stalled");
                publish();
                if (onStall == OnStall.Revert && !f.reverting) revert(f);
            } else if (f.stalled && ++polls % REFRESH_BLOCKING_EVERY == 0) {
                transition.setBlockingTasks(kernel.blockingTasks(target, Transition.MAX_BLOCKING_TASKS));
                publish();
            }
            sleeper.sleep(settings.poll());
        }
        TransitionOutcome outcome = f.reverting ? TransitionOutcome.Reverted : f.stalled ? TransitionOutcome.CompletedAfterStall : TransitionOutcome.Completed;
        finish(f, outcome, rcu);
    }

    private void revert(HostState.InFlight f) throws KernelException {
        try {
            kernel.writeEnabled(f.patch, f.direction == TransitionDirection.Unpatching);
            f.reverting = true;
            save();
            log.atWarn().addKeyValue("patch", f.patch).log("reversing the stalled transition (onStall: Revert)");
        } catch (KernelException e) {
            if (e.errno() != Errno.EINVAL) throw e;
            // EINVAL: the transition ended between our read and the write; nothing to reverse
        }
    }

    /** Records the end of a transition: history, metrics, and what a reverted one means for its module. */
    private void finish(HostState.InFlight f, TransitionOutcome outcome, int rcu) {
        Instant now = now();
        TransitionRecord r = history(f.patch, f.direction, Duration.between(Instant.parse(f.startedAt), now), outcome, rcu);
        log.atInfo().addKeyValue("patch", f.patch).addKeyValue("direction", f.direction).addKeyValue("outcome", outcome)
                .addKeyValue("seconds", r.getSeconds()).addKeyValue("rcuStallWarnings", rcu).log("transition finished");
        if (outcome == TransitionOutcome.Reverted) {
            String tasks = describe(transition == null ? List.of() : transition.getBlockingTasks());
            if (f.direction == TransitionDirection.Patching) {
                specEntry(f.patch).ifPresent(m -> state.failures.put(f.patch, new HostState.Failure(specKey(m), NodeReasons.STALL_REVERTED,
                        "failed to enable patch " + f.patch + ": its transition outlasted stallTimeout " + m.getStallTimeout()
                                + " (blocking tasks: " + tasks + "); reversed, the patch is disabled and its module is unloaded after the grace period",
                        now.toString())));
            } else {
                state.retireRetryAfter.put(f.patch, now.plus(settings.retireRetry()).toString());
                error = "failed to retire patch " + f.patch + ": its unpatching transition stalled (blocking tasks: " + tasks
                        + "); reversed, the patch stays enabled; retried after " + now.plus(settings.retireRetry());
            }
        }
        state.inFlight = null;
        transition = null;
        stalled = false;
        save();
    }

    /** Appends a finished (or refused) transition to the bounded history and counts it. */
    private TransitionRecord history(String patch, TransitionDirection direction, Duration took, TransitionOutcome outcome, int rcu) {
        TransitionRecord r = new TransitionRecord();
        r.setPatch(patch);
        r.setDirection(direction);
        r.setSeconds(took.toMillis() / 1000.0);
        r.setOutcome(outcome);
        r.setRcuStallWarnings(rcu);
        r.setFinishedAt(now().toString());
        state.lastTransitions.add(r);
        while (state.lastTransitions.size() > NodeLivePatchStatus.MAX_LAST_TRANSITIONS) state.lastTransitions.remove(0);
        metrics.transition(direction, outcome, took, rcu);
        return r;
    }

    // ---- act ----

    private boolean actionable(Step step) {
        if (!(step instanceof Step.Disable)) return true;
        String after = state.retireRetryAfter.get(step.patch());
        return after == null || !Instant.parse(after).isAfter(now());
    }

    /** Runs one step. False when it failed in a way that ends this pass (it is retried on the next one). */
    private boolean execute(Step step, Map<String, ModuleImage> files) throws KernelException, InterruptedException {
        log.atInfo().addKeyValue("step", step.getClass().getSimpleName()).addKeyValue("patch", step.patch()).log("executing");
        if (step instanceof Step.Protect p) {
            try {
                kernel.writeReplaceable(p.patch(), false);
                return true;
            } catch (KernelException e) {
                error = "failed to mark pinned patch " + p.patch() + " non-replaceable: " + e.getMessage() + "; no atomic replace was started";
                return false;
            }
        }
        if (step instanceof Step.Disable d) {
            kernelLog.drain();
            state.inFlight = new HostState.InFlight(d.patch(), TransitionDirection.Unpatching, now().toString());
            save();
            try {
                kernel.writeEnabled(d.patch(), false);
                return true;
            } catch (KernelException e) {
                state.inFlight = null;
                save();
                if (e.errno() == Errno.EBUSY || e.errno() == Errno.ENOENT) return true; // someone's transition, or already gone: look again
                error = "failed to disable patch " + d.patch() + ": " + e.getMessage() + "; it stays enabled";
                return false;
            }
        }
        return load(((Step.Load) step).module(), files.get(step.patch()));
    }

    private boolean load(PlanInput.Desired d, ModuleImage file) throws InterruptedException {
        NodeModule m = specEntry(d.name()).orElseThrow();
        Instant now = now();
        HostState.Managed rec = new HostState.Managed();
        rec.sha256 = d.sha256();
        rec.replaceable = d.replaceable();
        rec.atomicReplace = d.atomicReplace();
        rec.livePatch = m.getLivePatch();
        rec.loadedAt = now.toString();
        rec.seq = state.nextSeq++;
        rec.stallTimeout = m.getStallTimeout();
        rec.onStall = m.getOnStall();
        kernelLog.drain();
        state.managed.put(d.name(), rec); // intent first: a crash after insmod still finds the patch ours
        state.inFlight = new HostState.InFlight(d.name(), TransitionDirection.Patching, now.toString());
        save();
        try {
            insmodRetryingBusy(file);
            return true;
        } catch (KernelException e) {
            state.managed.remove(d.name());
            state.inFlight = null;
            state.failures.put(d.name(), new HostState.Failure(specKey(m), NodeReasons.LOAD_FAILED,
                    "failed to load module " + d.name() + ": " + e.getMessage() + "; nothing loaded", now().toString()));
            history(d.name(), TransitionDirection.Patching, Duration.ZERO, TransitionOutcome.Failed, 0);
            save();
            log.atError().addKeyValue("module", d.name()).addKeyValue("error", e.getMessage()).log("load failed");
            return true;
        }
    }

    /** insmod, retrying only EBUSY (another transition in flight), a bounded number of times with doubling waits. */
    private void insmodRetryingBusy(ModuleImage file) throws KernelException, InterruptedException {
        Duration wait = settings.insmodBusyBackoff();
        for (int attempt = 1; ; attempt++) {
            try {
                loader.load(file);
                return;
            } catch (KernelException e) {
                if (e.errno() != Errno.EBUSY || attempt >= settings.insmodBusyAttempts()) throw e;
                log.atInfo().addKeyValue("attempt", attempt).addKeyValue("retryIn", wait).log("insmod: kernel busy with another transition");
                sleeper.sleep(wait);
                wait = wait.multipliedBy(2);
            }
        }
    }

    private void unloadDue() throws KernelException {
        Instant now = now();
        for (Map.Entry<String, HostState.Pending> e : List.copyOf(state.pendingUnloads.entrySet())) {
            String module = e.getKey();
            if (Instant.parse(e.getValue().unloadAfter).isAfter(now)) continue;
            Integer refcnt = kernel.modules().get(module);
            if (refcnt == null) {
                state.pendingUnloads.remove(module);
            } else if (kernel.patch(module).isPresent() || refcnt > 0) {
                continue; // still a patch, or still referenced: look again on the next pass
            } else {
                try {
                    loader.unload(module);
                    state.pendingUnloads.remove(module);
                    log.atInfo().addKeyValue("module", module).log("unloaded after its grace period");
                } catch (KernelException ex) {
                    error = "failed to unload module " + module + ": " + ex.getMessage() + "; it stays loaded, retried on the next pass";
                }
            }
            save();
        }
    }

    // ---- plan ----

    /** Fetches and verifies the files of desired modules not loaded yet; failures are recorded on their module. */
    private Map<String, ModuleImage> fetchNeeded() throws KernelException {
        Set<String> enabled = kernel.patches().stream().filter(PatchState::enabled).map(PatchState::name).collect(Collectors.toSet());
        Set<String> modules = kernel.modules().keySet();
        String release = kernel.release();
        Map<String, ModuleImage> files = new HashMap<>();
        for (NodeModule m : spec.getModules()) {
            String name = m.getName();
            if (state.failures.containsKey(name) || enabled.contains(name) || modules.contains(name)) continue;
            try {
                files.put(name, store.verified(m, release));
            } catch (ModuleException e) {
                state.failures.put(name, new HostState.Failure(specKey(m), e.reason(), e.getMessage(), now().toString()));
                save();
                log.atError().addKeyValue("module", name).addKeyValue("reason", e.reason()).addKeyValue("error", e.getMessage()).log("module refused");
            }
        }
        return files;
    }

    private PlanInput planInput(Map<String, ModuleImage> files) throws KernelException {
        List<PlanInput.Patch> patches = kernel.patches().stream()
                .map(p -> new PlanInput.Patch(p.name(), p.enabled(), p.replaceableAttr())).toList();
        Set<String> enabled = patches.stream().filter(PlanInput.Patch::enabled).map(PlanInput.Patch::name).collect(Collectors.toSet());
        List<PlanInput.Desired> desired = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (NodeModule m : spec.getModules()) {
            if (!seen.add(m.getName())) continue; // a duplicate name: the first entry wins
            boolean blocked = state.failures.containsKey(m.getName())
                    || (!enabled.contains(m.getName()) && !files.containsKey(m.getName()) && !kernel.modules().containsKey(m.getName()));
            desired.add(new PlanInput.Desired(m.getName(), m.getSource().getSha256(), !m.isPinned(), m.isAtomicReplace(), blocked, m.getLivePatch()));
        }
        Map<String, PlanInput.Managed> managed = new HashMap<>();
        state.managed.forEach((n, r) -> managed.put(n, new PlanInput.Managed(n, r.sha256, r.replaceable, r.atomicReplace, r.livePatch)));
        return new PlanInput(patches, kernel.modules().keySet(), Boolean.TRUE.equals(kernel.capabilities().getHybridAttr()), desired, managed);
    }

    private void recordRefusals(Plan plan) {
        for (Plan.Refusal r : plan.refusals()) {
            if (!r.failed()) {
                holds.put(r.module(), r.message());
                continue;
            }
            NodeModule m = specEntry(r.module()).orElseThrow();
            if (!state.failures.containsKey(r.module())) {
                state.failures.put(r.module(), new HostState.Failure(specKey(m), r.reason(), r.message(), now().toString()));
                log.atError().addKeyValue("module", r.module()).addKeyValue("reason", r.reason()).addKeyValue("error", r.message()).log("module refused");
            }
        }
        save();
    }

    // ---- status ----

    private NodeLivePatchStatus publish() {
        String release = null;
        String bootId = null;
        List<PatchState> patches = List.of();
        KernelCapabilities caps = kernel.capabilities();
        try {
            release = kernel.release();
            bootId = kernel.bootId();
            patches = kernel.patches();
        } catch (KernelException e) {
            if (error == null) error = "failed to read the kernel: " + e.getMessage();
        }
        NodeLivePatchStatus s = StatusAssembler.assemble(new StatusAssembler.Inputs(spec, generation, release, bootId, caps, patches, state,
                Map.copyOf(holds), transition, stalled, error, last, now()));
        long managed = s.getPatches().stream().filter(p -> Boolean.TRUE.equals(p.getManaged())).count();
        metrics.patchesLoaded((int) managed, (int) (s.getPatches().size() - managed));
        last = s;
        publisher.accept(s);
        return s;
    }

    // ---- small helpers ----

    private HostState loadState() {
        try {
            return stateStore.load();
        } catch (StateFileException e) {
            throw new java.io.UncheckedIOException(new java.io.IOException(e.getMessage(), e));
        }
    }

    private void save() {
        try {
            stateStore.save(state);
        } catch (StateFileException e) {
            throw new java.io.UncheckedIOException(new java.io.IOException(e.getMessage(), e));
        }
    }

    private Instant now() { return clock.instant().truncatedTo(ChronoUnit.MILLIS); }

    private Optional<NodeModule> specEntry(String name) {
        return spec.getModules().stream().filter(m -> m.getName().equals(name)).findFirst();
    }

    /** A failure sticks until this changes: a new build (sha256) or a new LivePatch generation. */
    static String specKey(NodeModule m) { return m.getSource().getSha256() + "@" + m.getLivePatchGeneration(); }

    private Duration stallTimeout(String patch) {
        String text = specEntry(patch).map(NodeModule::getStallTimeout)
                .orElseGet(() -> Optional.ofNullable(state.managed.get(patch)).map(r -> r.stallTimeout).orElse(null));
        return KubeDuration.parse(text).orElse(DEFAULT_STALL_TIMEOUT);
    }

    private OnStall onStall(String patch) {
        return specEntry(patch).map(NodeModule::getOnStall)
                .orElseGet(() -> Optional.ofNullable(state.managed.get(patch)).map(r -> r.onStall).orElse(OnStall.Revert));
    }

    private static int rcuWarnings(List<KmsgEvent> events) {
        return (int) events.stream().filter(e -> e.kind() == KmsgEvent.Kind.RCU_TASKS_STALL).count();
    }

    private static String describe(List<BlockingTask> tasks) {
        if (tasks.isEmpty()) return "none seen";
        return tasks.stream().map(t -> t.getPid() + " " + t.getComm() + (t.getStack().isEmpty() ? "" : " at " + where(t.getStack())))
                .collect(Collectors.joining(", "));
    }

    /** Scheduler and sleep frames, with or without the hidden-address prefix: a sleeping task's stack starts with them. */
    private static final Pattern SLEEP_FRAME = Pattern.compile(
            "^(\\[<[0-9a-fx]+>\\]\\s*)?(__schedule|schedule\\w*|preempt_schedule\\w*|io_schedule\\w*|\\w*sleep\\w*|__refrigerator)\\+.*");

    /**
     * Where a blocking task is, for a message: its first frame outside the scheduler and the sleep
     * helpers. On a real kernel the top frame of a sleeping task names the helper it sleeps in, not
     * the patched function that holds the transition (Debian's 6.1, lp_busy's thread:
     * {@code msleep_interruptible, lp_busy_work [lp_busy], lp_busy_thread, kthread, ret_from_fork});
     * the whole stack stays in {@code status.transition}.
     */
    static String where(List<String> stack) {
        return stack.stream().filter(f -> !SLEEP_FRAME.matcher(f).matches()).findFirst().orElse(stack.get(0));
    }
}
