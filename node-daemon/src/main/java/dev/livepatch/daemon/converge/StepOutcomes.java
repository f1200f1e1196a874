package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.daemon.metrics.DaemonMetrics;
import dev.livepatch.daemon.plan.DesiredSet;
import dev.livepatch.daemon.plan.Plan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** What one step's plan and the transitions it saw leave behind: refusals in the records and the status, transitions in the log and metrics. */
final class StepOutcomes {
    private static final Logger log = LoggerFactory.getLogger(Converger.class);

    private StepOutcomes() {}

    /** The modules the plan holds back (not failed), for the status. */
    static Map<String, Plan.Refusal> holds(Plan plan) {
        Map<String, Plan.Refusal> holds = new HashMap<>();
        plan.refusals().stream().filter(r -> !r.failed()).forEach(r -> holds.put(r.module(), r));
        return holds;
    }

    /** Permanent refusals of the hybrid rules become the module's failure, until its spec entry changes. */
    static void recordRefusals(Plan plan, DesiredSet desired, HostState records, Instant now) {
        for (Plan.Refusal r : plan.refusals()) {
            if (!r.failed() || records.failures.containsKey(r.module())) continue;
            desired.entry(r.module()).ifPresent(m -> records.failures.put(r.module(),
                    new HostState.Failure(DesiredSet.key(m), r.reason(), r.message(), now.toString())));
            log.atError().addKeyValue("module", r.module()).addKeyValue("reason", r.reason()).addKeyValue("error", r.message()).log("module refused");
        }
    }

    static void stalled(DaemonMetrics metrics, HostState.InFlight f, String blockingTasks) {
        metrics.stalled();
        log.atWarn().addKeyValue("patch", f.patch).addKeyValue("direction", f.direction).addKeyValue("observedSeconds", f.observedMillis / 1000.0)
                .addKeyValue("blockingTasks", blockingTasks)
                .log("transition stalled");
    }

    static void finished(DaemonMetrics metrics, TransitionRecord r) {
        log.atInfo().addKeyValue("patch", r.getPatch()).addKeyValue("direction", r.getDirection()).addKeyValue("outcome", r.getOutcome())
                .addKeyValue("seconds", r.getSeconds()).addKeyValue("rcuStallWarnings", r.getRcuStallWarnings()).log("transition finished");
        metrics.transition(r.getDirection(), r.getOutcome(), Duration.ofMillis((long) (r.getSeconds() * 1000)), r.getRcuStallWarnings());
    }
}
