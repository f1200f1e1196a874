package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.daemon.health.GateWatch;
import dev.livepatch.daemon.health.HealthGate;
import dev.livepatch.daemon.health.KernelTaint;
import dev.livepatch.daemon.kernel.KernelException;
import dev.livepatch.daemon.kernel.KernelLog;
import dev.livepatch.daemon.kernel.KernelSnapshot;
import dev.livepatch.daemon.kernel.KmsgEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The side-effect edge of the health gates (docs/design.md §5 rule 13): starts a watch at a load (the
 * taint read before it), keeps every kernel log line drained by anyone (a drain before an action must
 * not hide a WARNING from the gates) and feeds each step's look to the pure {@link HealthGate}.
 */
final class HealthWatching {
    private static final Logger log = LoggerFactory.getLogger(HealthWatching.class);
    private static final int MAX_KEPT = 1000;

    private final KernelLog kernelLog;
    private final KernelTaint taint;
    private final List<KmsgEvent> kept = new ArrayList<>();

    HealthWatching(KernelLog kernelLog, KernelTaint taint) {
        this.kernelLog = kernelLog;
        this.taint = taint;
    }

    /** The kernel log, every line drained through it also kept for the next {@link #observe}. */
    KernelLog tapped() {
        return () -> {
            List<KmsgEvent> events = kernelLog.drain();
            synchronized (kept) {
                kept.addAll(events);
                if (kept.size() > MAX_KEPT) kept.subList(0, kept.size() - MAX_KEPT).clear();
            }
            return events;
        };
    }

    /** Before the load of {@code m}: a watch when its entry has health gates. */
    void started(HostState r, NodeModule m, Instant now) {
        if (m.getHealthGates() == null || m.getHealthGates().getBake() == null) return;
        Long taintAtLoad = null;
        try {
            taintAtLoad = taint.read();
        } catch (KernelException e) {
            log.atWarn().addKeyValue("patch", m.getName()).addKeyValue("error", e.getMessage()).log("kernel taint unreadable: its taint gate is not checked");
        }
        r.health.put(m.getName(), GateWatch.started(m.getName(), m.getLivePatch(), m.getSource().getSha256(), m.getHealthGates().getBake(),
                m.getHealthGates().getOnUnhealthy(), taintAtLoad, now.toString()));
    }

    /** One step's look: watches of patches no longer managed as that build are dropped; the others observe the kernel. */
    void observe(HostState r, KernelSnapshot k, Instant now) {
        List<KmsgEvent> events;
        synchronized (kept) {
            events = List.copyOf(kept);
            kept.clear();
        }
        r.health.entrySet().removeIf(e -> !managedAs(r, e.getValue()));
        if (r.health.values().stream().noneMatch(GateWatch::watching)) return;
        Long taintNow = readTaint();
        for (Map.Entry<String, GateWatch> e : r.health.entrySet()) {
            GateWatch before = e.getValue();
            boolean enabled = k.patch(before.patch()).map(p -> p.enabled() && !p.transition()).orElse(false);
            GateWatch after = HealthGate.observe(before, new HealthGate.Look(events, taintNow, enabled, now));
            if (after.failed() && !before.failed()) {
                log.atError().addKeyValue("patch", after.patch()).addKeyValue("onUnhealthy", after.onUnhealthy())
                        .addKeyValue("taintAtLoad", after.taintAtLoad()).addKeyValue("taint", taintNow).addKeyValue("lines", after.lines())
                        .log("health gate failed");
            } else if (after.state() != before.state()) {
                log.atInfo().addKeyValue("patch", after.patch()).addKeyValue("state", after.state()).log("health watch");
            }
            e.setValue(after);
        }
    }

    /** A watch is still running: the daemon must look again within its poll interval. */
    static boolean baking(HostState r) { return r.health.values().stream().anyMatch(GateWatch::watching); }

    private static boolean managedAs(HostState r, GateWatch w) {
        HostState.Managed m = r.managed.get(w.patch());
        return m != null && m.sha256.equals(w.sha256());
    }

    private Long readTaint() {
        try {
            return taint.read();
        } catch (KernelException e) {
            log.atDebug().addKeyValue("error", e.getMessage()).log("kernel taint unreadable");
            return null;
        }
    }
}
