package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.Transition;
import dev.livepatch.daemon.kernel.Kernel;
import dev.livepatch.daemon.kernel.KernelException;
import dev.livepatch.daemon.kernel.KernelLog;
import dev.livepatch.daemon.kernel.KernelSnapshot;
import dev.livepatch.daemon.kernel.KmsgEvent;
import dev.livepatch.daemon.kernel.ModuleImage;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.plan.DesiredSet;
import dev.livepatch.daemon.plan.NodePlanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The deciding half of a converger's step: read one {@link KernelSnapshot}, reconcile the host
 * records with it ({@link RecordKeeper}), fetch and verify the module files that may be loaded
 * ({@link ModuleFiles}), and let the {@link NodePlanner} pick ONE next action. It changes nothing
 * in the kernel and saves nothing; the {@link Converger} saves, publishes and acts.
 */
final class StepDecider {
    private static final Logger log = LoggerFactory.getLogger(Converger.class);

    /**
     * One step's decision and what it was made from; the caller closes {@link #images()}.
     *
     * @param transition the transition in flight as the status shows it, or null
     */
    record Decided(KernelSnapshot kernel, HostState records, ModuleFiles.Available available, NodePlanner.Decision decision, Transition transition) {
        Map<String, ModuleImage> images() { return available.images(); }
    }

    private final Kernel kernel;
    private final KernelLog kernelLog;
    private final ModuleFiles files;
    private final HealthWatching health;
    private final BlockingTasks blocking;
    private final ConvergerSettings settings;
    private final DaemonMetrics metrics;
    private final String incarnation;

    StepDecider(Kernel kernel, KernelLog kernelLog, ModuleFiles files, HealthWatching health, ConvergerSettings settings, DaemonMetrics metrics,
                String incarnation) {
        this.kernel = kernel;
        this.kernelLog = kernelLog;
        this.files = files;
        this.health = health;
        this.blocking = new BlockingTasks(kernel);
        this.settings = settings;
        this.metrics = metrics;
        this.incarnation = incarnation;
    }

    /** The next action against {@code desired}; a kernel that cannot be read throws before anything is reconciled. */
    Decided decide(HostState prior, DesiredSet desired, Instant now) throws KernelException {
        KernelSnapshot k = KernelSnapshot.read(kernel);
        // Drained before the reconcile: warnings logged since the last look belong to the transition then in flight,
        // also when the kernel finished it meanwhile (the reconcile closes it with its count).
        int rcu = (int) kernelLog.drain().stream().filter(e -> e.kind() == KmsgEvent.Kind.RCU_TASKS_STALL).count();
        if (prior.inFlight != null) prior.inFlight.rcuWarnings += rcu;
        RecordKeeper.Result r = RecordKeeper.reconcile(prior, k, desired, new RecordKeeper.Context(now, incarnation, settings.unloadGrace(), settings.retireRetry()));
        HostState records = r.state();
        if (r.rebooted()) log.atInfo().addKeyValue("bootId", k.bootId()).log("node rebooted: re-applying the spec from the module cache");
        r.finished().forEach(t -> StepOutcomes.finished(metrics, t));
        health.observe(records, k, now);
        ModuleFiles.Available available = files.ensure(desired, records, k, now);
        List<String> adopted = RecordKeeper.adopt(records, k, desired, available.buildIds());
        if (!adopted.isEmpty()) log.atInfo().addKeyValue("patches", adopted).log("adopted loaded patches whose build id is the spec's");
        try {
            NodePlanner.Decision d = NodePlanner.decide(new NodePlanner.NodeView(k, records, desired, available.images().keySet(), now, settings.poll(),
                    available.built()));
            StepOutcomes.recordRefusals(d.plan(), desired, records, now);
            boolean stalledNow = d.stalled() && records.inFlight != null && !records.inFlight.stalled;
            if (d.stalled() && records.inFlight != null) records.inFlight.stalled = true;
            Transition transition = blocking.view(records, k, d.stalled(), now);
            if (transition != null) metrics.inFlight(transition.getBlockingTasks().size());
            if (stalledNow) StepOutcomes.stalled(metrics, records.inFlight, blocking.describe(transition));
            if (d.stalled() && blocking.worthRecording(transition)) records.inFlight.blockingTasks = blocking.describe(transition);
            return new Decided(k, records, available, d, transition);
        } catch (RuntimeException e) {
            available.images().values().forEach(ModuleImage::close);
            throw e;
        }
    }
}
