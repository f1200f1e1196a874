package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;

/**
 * The checks a module file passes before anything loads it, each failure permanent (a new file, so
 * a new spec, is the fix), and a fetch's failure classified: retryable unless the fetcher says not.
 */
final class ModuleChecks {
    private ModuleChecks() {}

    /** Checks {@code bytes}: a kernel module, a livepatch, the spec's name, built for {@code kernelRelease}. Returns its name. */
    static String check(NodeModule module, byte[] bytes, String kernelRelease) throws ModuleException {
        ModInfo info;
        try {
            info = ModInfo.parse(bytes);
        } catch (IllegalArgumentException e) {
            throw new ModuleException(NodeReasons.NOT_A_LIVEPATCH, "failed to verify module " + module.getName()
                    + ": not a kernel module (" + e.getMessage() + "); nothing loaded");
        }
        if (!info.isLivepatch()) {
            throw new ModuleException(NodeReasons.NOT_A_LIVEPATCH, "failed to verify module " + module.getName()
                    + ": modinfo has no livepatch=Y, it is not a livepatch module; nothing loaded (the daemon loads livepatches only)");
        }
        String built = info.get("name").map(String::strip).orElse("");
        String declared = module.getName();
        if (!kernelName(built).equals(kernelName(declared))) {
            throw new ModuleException(NodeReasons.NAME_MISMATCH, "failed to verify module " + declared + ": the file is module "
                    + (built.isEmpty() ? "(no modinfo name)" : "'" + built + "'") + " (modinfo name) but the spec names '" + declared
                    + "'; nothing loaded (declare it as '" + kernelName(built) + "', or rebuild the module as '" + declared + "')");
        }
        String release = info.vermagicRelease().orElse("(none)");
        if (!release.equals(kernelRelease)) {
            throw new ModuleException(NodeReasons.VERMAGIC_MISMATCH, "failed to verify module " + declared
                    + ": built for kernel " + release + " (vermagic) but the node runs " + kernelRelease
                    + "; nothing loaded (build the module against this kernel's headers)");
        }
        return kernelName(built);
    }

    /** A module's name as the kernel keeps it: '-' read as '_'. */
    static String kernelName(String name) { return name.replace('-', '_'); }

    /** The fetcher's bytes; its failure as a ModuleException, retryable unless the fetcher said it is not. */
    static byte[] fetch(ModuleFetcher fetcher, NodeModule module) throws ModuleException {
        String what = "failed to fetch module " + module.getName() + " from " + fetcher.describe(module.getSource()) + ": ";
        try {
            return fetcher.fetch(module.getSource());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ModuleException.retryable(NodeReasons.FETCH_FAILED, what + "interrupted; nothing loaded");
        } catch (FetchException e) {
            throw new ModuleException(NodeReasons.FETCH_FAILED, what + e.getMessage() + "; nothing loaded"
                    + (e.retryable() ? ", retried later" : ""), e.retryable());
        } catch (Exception e) {
            throw ModuleException.retryable(NodeReasons.FETCH_FAILED, what + e + "; nothing loaded, retried later");
        }
    }
}
