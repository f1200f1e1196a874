package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.ModuleSource;

/** Reads a module file's bytes from one kind of source (url, ConfigMap, hostPath). */
public interface ModuleFetcher {
    /** Whether this fetcher handles the source (exactly one does). */
    boolean handles(ModuleSource source);

    /** The bytes, or an exception whose message says what failed ("GET https://...: HTTP 404"). */
    byte[] fetch(ModuleSource source) throws Exception;

    /** Short description of the source for messages, e.g. "url https://..." */
    String describe(ModuleSource source);
}
