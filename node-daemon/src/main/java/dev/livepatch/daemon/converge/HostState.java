package dev.livepatch.daemon.converge;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionRecord;
import dev.livepatch.daemon.health.GateWatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the daemon must remember across its own restarts, kept in a JSON file on the host
 * (docs/design.md §5 rules 6-7): which patches it loaded (the kernel cannot say who loaded a patch, nor, on
 * 6.1, in which order), the rmmods waiting out their grace period, the modules that failed (not
 * retried until their spec entry changes), the transition it started. The kernel stays the truth
 * for what is loaded: records are reconciled against it on every pass.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public class HostState {
    public String bootId;
    /** Patches loaded by the daemon, by name. Written before the load (intent first). */
    public Map<String, Managed> managed = new LinkedHashMap<>();
    /** Load order: the next {@link Managed#seq}. Without stack_order it is the only record of the stack. */
    public long nextSeq = 1;
    /** Patches a Retain deletion left loaded: not managed (never touched), adopted again by a spec naming the same build. */
    public Map<String, Managed> retained = new LinkedHashMap<>();
    /** Modules whose patch is gone (retired, replaced, reverted), waiting for their rmmod, by module name. */
    public Map<String, Pending> pendingUnloads = new LinkedHashMap<>();
    /** Modules refused or failed, by name; cleared when the spec entry's key changes. Retryable ones are tried again. */
    public Map<String, Failure> failures = new LinkedHashMap<>();
    /** Managed patches whose retirement was reverted after a stall: not retried before this instant. */
    public Map<String, String> retireRetryAfter = new LinkedHashMap<>();
    /** The transition in flight, as this daemon knows it (started by it, or found in the kernel). */
    public InFlight inFlight;
    public List<TransitionRecord> lastTransitions = new ArrayList<>();
    /** The health watch of each patch loaded with health gates, by patch name (docs/design.md §5 rule 13). */
    public Map<String, GateWatch> health = new LinkedHashMap<>();
    /** The last desired set a pass converged to; unlike the records above it survives a reboot: the boot restore applies it (docs/design.md §5 rule 15). */
    public ConvergedSet lastConverged;
    /** The boot a restore pass acts on; any other pass clears it, so a restore never acts on a boot the daemon already works on. */
    public String restoringBoot;

    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Managed {
        public String sha256;
        public boolean replaceable;
        public boolean atomicReplace;
        public String livePatch;
        public String loadedAt;
        public long seq;
        public String stallTimeout;
        public OnStall onStall;
        /** Taken over from the kernel after the records were lost: its {@link #seq} is a guess where the kernel has no stack_order. */
        public boolean adopted;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Pending {
        public String since;
        public String unloadAfter;

        public Pending() {}

        public Pending(String since, String unloadAfter) {
            this.since = since;
            this.unloadAfter = unloadAfter;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Failure {
        public String specKey;
        public String reason;
        public String message;
        public String since;
        /** Trying again can help (a fetch timeout, a busy kernel): retried at {@link #nextAttemptAt}. */
        public boolean retryable;
        public int attempts;
        public String nextAttemptAt;

        public Failure() {}

        public Failure(String specKey, String reason, String message, String since) {
            this.specKey = specKey;
            this.reason = reason;
            this.message = message;
            this.since = since;
        }
    }

    /**
     * A transition in flight. Its duration is what this daemon observed of it: {@link #observedMillis}
     * grows only between two looks by the same daemon process ({@link #incarnation}), so a daemon that
     * was down (a slow image pull, a crash loop) never counts its own downtime as transition time.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class InFlight {
        public String patch;
        /** The direction it was started in; the kernel running the other one means it was reversed. */
        public TransitionDirection direction;
        public String startedAt;
        public long observedMillis;
        public String lastObservedAt;
        public String incarnation;
        /** The kernel has shown it (in transition, or its end state): it really started. */
        public boolean seen;
        public boolean stalled;
        /** Why it is being reversed (a NodeReasons value), written before the reversing write. */
        public String revertReason;
        /** The failure's words for a reversal whose reason does not say them alone (an overlap: which function, which patches). */
        public String revertMessage;
        public int rcuWarnings;
        /** The key of the spec entry it was started for (a load): a failure it ends in belongs to that spec, not to a newer one. */
        public String specKey;
        /** The tasks that blocked it when it stalled, for the failure message should it be reversed. */
        public String blockingTasks;

        public InFlight() {}

        public InFlight(String patch, TransitionDirection direction, String startedAt) {
            this.patch = patch;
            this.direction = direction;
            this.startedAt = startedAt;
        }

        /** A transition first looked at {@code now} by daemon process {@code incarnation}: its time counts from there. */
        public static InFlight seenBy(String incarnation, String patch, TransitionDirection direction, java.time.Instant now) {
            InFlight f = new InFlight(patch, direction, now.toString());
            f.incarnation = incarnation;
            f.lastObservedAt = now.toString();
            return f;
        }

        /** Another look at {@code now}: the time since the last look counts only when the same process looked. */
        public void lookedAt(String by, java.time.Instant now) {
            if (by.equals(incarnation) && lastObservedAt != null) {
                observedMillis += Math.max(0, java.time.Duration.between(java.time.Instant.parse(lastObservedAt), now).toMillis());
            }
            incarnation = by;
            lastObservedAt = now.toString();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A deep copy: the record keeper and the planner work on their own. */
    public HostState copy() {
        return JSON.convertValue(JSON.valueToTree(this), HostState.class);
    }

    /**
     * A new boot: the kernel has nothing loaded; failures that a retry cannot mend stay (their spec
     * entries did not change), and so does the last converged set. Retryable ones go: what made them
     * so (a busy kernel, a fetch that timed out) was the last boot's, and their back-off must not hold
     * the boot restore back from loading the module now.
     */
    public void rebooted(String newBootId) {
        bootId = newBootId;
        failures.values().removeIf(f -> f.retryable);
        managed.clear();
        retained.clear();
        pendingUnloads.clear();
        retireRetryAfter.clear();
        health.clear();
        inFlight = null;
    }
}
