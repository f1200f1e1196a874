package dev.livepatch.daemon.execute;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.api.v1alpha1.TransitionDirection;
import dev.livepatch.api.v1alpha1.TransitionRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the daemon must remember across its own restarts, kept in a JSON file on the host
 * (DESIGN §5 rules 6-7): which patches it loaded (the kernel cannot say who loaded a patch, nor, on
 * 6.1, in which order), the rmmods waiting out their grace period, the modules that failed (not
 * retried until their spec entry changes), the transition it started. The kernel stays the truth
 * for what is loaded: records are reconciled against it on every pass.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public class HostState {
    public String bootId;
    /** Patches loaded by the daemon, by name. Written before the insmod (intent first). */
    public Map<String, Managed> managed = new LinkedHashMap<>();
    public long nextSeq = 1;
    /** Modules whose patch is gone (retired, replaced, reverted), waiting for their rmmod, by module name. */
    public Map<String, Pending> pendingUnloads = new LinkedHashMap<>();
    /** Modules refused or failed, by name; cleared when the spec entry's key changes. */
    public Map<String, Failure> failures = new LinkedHashMap<>();
    /** Managed patches whose retirement was reverted after a stall: not retried before this instant. */
    public Map<String, String> retireRetryAfter = new LinkedHashMap<>();
    /** The transition this daemon started and has not seen finish. */
    public InFlight inFlight;
    public List<TransitionRecord> lastTransitions = new ArrayList<>();

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

        public Failure() {}

        public Failure(String specKey, String reason, String message, String since) {
            this.specKey = specKey;
            this.reason = reason;
            this.message = message;
            this.since = since;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class InFlight {
        public String patch;
        public TransitionDirection direction;
        public String startedAt;
        /** The stall policy reversed it: the kernel now runs the opposite direction. */
        public boolean reverting;
        public boolean stalled;

        public InFlight() {}

        public InFlight(String patch, TransitionDirection direction, String startedAt) {
            this.patch = patch;
            this.direction = direction;
            this.startedAt = startedAt;
        }
    }

    /** A new boot: the kernel has nothing loaded; failures stay (their spec entries did not change). */
    public void rebooted(String newBootId) {
        bootId = newBootId;
        managed.clear();
        pendingUnloads.clear();
        retireRetryAfter.clear();
        inFlight = null;
    }
}
