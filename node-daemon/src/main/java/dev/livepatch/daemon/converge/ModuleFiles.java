package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.daemon.kernel.KernelSnapshot;
import dev.livepatch.daemon.kernel.ModuleImage;
import dev.livepatch.daemon.module.KlpElf;
import dev.livepatch.daemon.module.ModInfo;
import dev.livepatch.daemon.module.ModuleException;
import dev.livepatch.daemon.module.ModuleStore;
import dev.livepatch.daemon.plan.DesiredSet;
import dev.livepatch.daemon.plan.PlanInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The module-file edge of a step: fetches and verifies the files of desired modules the kernel does
 * not have yet. A permanent refusal (checksum, vermagic, not a livepatch, name) is recorded as the
 * module's failure until its spec entry changes; a retryable one (a fetch timeout, an API server's
 * 429) is recorded with its attempt count and tried again after a doubling, bounded backoff.
 */
final class ModuleFiles {
    private static final Logger log = LoggerFactory.getLogger(ModuleFiles.class);
    private final ModuleStore store;
    private final ConvergerSettings settings;

    ModuleFiles(ModuleStore store, ConvergerSettings settings) {
        this.store = store;
        this.settings = settings;
    }

    /**
     * @param images   verified images of the desired modules that may be loaded now, by name; the caller closes them
     * @param buildIds build ids of the verified files of desired modules the kernel shows loaded without a record of
     *                 the daemon's (records lost): the facts adoption decides from
     * @param built    what the images' files say they patch, where their klp_patch could be read (docs/design.md §5 rule 10)
     */
    record Available(Map<String, ModuleImage> images, Map<String, String> buildIds, Map<String, PlanInput.Built> built) {}

    /** Fetches and verifies what the desired set may need now. Failures go into {@code records}. */
    Available ensure(DesiredSet desired, HostState records, KernelSnapshot kernel, Instant now) {
        Map<String, ModuleImage> images = new HashMap<>();
        Map<String, String> buildIds = new HashMap<>();
        Map<String, PlanInput.Built> built = new HashMap<>();
        for (NodeModule m : desired.modules()) {
            String name = m.getName();
            boolean adoptable = kernel.patch(name).isPresent() && !records.managed.containsKey(name) && kernel.buildIds().containsKey(name);
            if ((kernel.patch(name).isPresent() || kernel.moduleLoaded(name)) && !adoptable) continue;
            HostState.Failure f = records.failures.get(name);
            if (f != null && (!f.retryable || Instant.parse(f.nextAttemptAt).isAfter(now))) continue;
            try {
                ModuleImage image = store.verified(m, kernel.release());
                if (adoptable) {
                    try (image) {
                        ModInfo.parse(image.bytes()).buildIdHex().ifPresent(id -> buildIds.put(name, id));
                    }
                } else {
                    images.put(name, image);
                    KlpElf.read(image.bytes()).ifPresent(p -> built.put(name, new PlanInput.Built(p.replace(), p.functions())));
                }
                records.failures.remove(name);
            } catch (ModuleException e) {
                int attempts = f == null ? 1 : f.attempts + 1;
                HostState.Failure failure = new HostState.Failure(DesiredSet.key(m), e.reason(), e.getMessage(), f == null ? now.toString() : f.since);
                if (e.retryable()) {
                    failure.retryable = true;
                    failure.attempts = attempts;
                    failure.nextAttemptAt = now.plus(settings.backoff(attempts)).toString();
                }
                records.failures.put(name, failure);
                log.atWarn().addKeyValue("module", name).addKeyValue("reason", e.reason()).addKeyValue("retryable", e.retryable())
                        .addKeyValue("attempt", attempts).addKeyValue("error", e.getMessage()).log("module not available");
            }
        }
        return new Available(images, buildIds, built);
    }

    /** Drops cached files nothing names any more: not the spec, not a record, not the last converged set. */
    void prune(DesiredSet desired, HostState records) {
        Set<String> referenced = new HashSet<>();
        desired.modules().forEach(m -> referenced.add(m.getSource().getSha256()));
        records.managed.values().forEach(m -> referenced.add(m.sha256));
        records.retained.values().forEach(m -> referenced.add(m.sha256));
        // The boot restore loads the last converged set from the cache alone (docs/design.md §5 rule 15).
        if (records.lastConverged != null && records.lastConverged.spec != null) {
            records.lastConverged.spec.getModules().forEach(m -> referenced.add(m.getSource().getSha256()));
        }
        store.prune(referenced);
    }
}
