package dev.livepatch.daemon.health;

import dev.livepatch.api.v1alpha1.HealthGateState;
import dev.livepatch.api.v1alpha1.HealthGateStatus;
import dev.livepatch.api.v1alpha1.OnUnhealthy;

import java.util.List;

/**
 * One patch's health watch, kept in the host records from its load on (docs/design.md §5 rule 13).
 *
 * @param sha256       the build loaded: a watch belongs to that build of the patch
 * @param bake         how long after the patch is enabled (out of transition) the gates are watched, a Go-style duration
 * @param taintAtLoad  /proc/sys/kernel/tainted read just before the load; null when it could not be read (no taint gate then)
 * @param enablingSeq  the kernel log sequence number of the load's "livepatch: enabling patch" line, once seen: only
 *                     lines after it count
 * @param bakeUntil    when the bake ends, set when the daemon first sees the patch enabled and out of transition
 * @param since        when {@code state} was entered
 * @param lines        the lines that failed a gate (at most {@link HealthGate#MAX_LINES}, each at most {@link HealthGate#MAX_LINE_CHARS})
 */
public record GateWatch(String patch, String livePatch, String sha256, String bake, OnUnhealthy onUnhealthy, Long taintAtLoad,
                        Long enablingSeq, String bakeUntil, HealthGateState state, String since, List<String> lines) {
    public GateWatch {
        lines = lines == null ? List.of() : List.copyOf(lines);
        onUnhealthy = onUnhealthy == null ? OnUnhealthy.Revert : onUnhealthy;
    }

    /** A watch started at a load, at {@code now}. */
    public static GateWatch started(String patch, String livePatch, String sha256, String bake, OnUnhealthy onUnhealthy, Long taintAtLoad,
                                    String now) {
        return new GateWatch(patch, livePatch, sha256, bake, onUnhealthy, taintAtLoad, null, null, HealthGateState.Watching, now, List.of());
    }

    public boolean watching() { return state == HealthGateState.Watching; }

    public boolean failed() { return state == HealthGateState.Failed; }

    public HealthGateStatus toStatus() {
        HealthGateStatus s = new HealthGateStatus();
        s.setPatch(patch);
        s.setLivePatch(livePatch);
        s.setState(state);
        s.setOnUnhealthy(onUnhealthy);
        s.setBakeUntil(bakeUntil);
        s.setSince(since);
        s.setLines(new java.util.ArrayList<>(lines));
        return s;
    }

    public boolean passed() { return state == HealthGateState.Passed; }
}
