package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.ModuleSource;

import java.nio.file.Path;

/**
 * The boot restore's fetcher (docs/design.md §5 rule 15): it fetches nothing. A module whose file the
 * local cache does not hold fails with a reason that says so; retryable, so that the node daemon,
 * which can reach the source, fetches it as soon as it runs, without waiting for a new spec.
 */
public final class CacheOnlyFetcher implements ModuleFetcher {
    private final Path cacheDir;

    public CacheOnlyFetcher(Path cacheDir) { this.cacheDir = cacheDir; }

    @Override
    public boolean handles(ModuleSource source) { return true; }

    @Override
    public byte[] fetch(ModuleSource source) throws FetchException {
        throw FetchException.retryable("no verified file " + source.getSha256() + ".ko in the local module cache " + cacheDir
                + " (the boot restore reads the cache alone and fetches nothing; the node daemon fetches it when it runs)");
    }

    @Override
    public String describe(ModuleSource source) {
        String from = source.getUrl() != null ? "url " + source.getUrl()
                : source.getHostPath() != null ? "hostPath " + source.getHostPath() : "a ConfigMap";
        return "the local module cache (its source, " + from + ", is not read by the boot restore)";
    }
}
