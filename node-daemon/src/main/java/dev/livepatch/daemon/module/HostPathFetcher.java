package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.ModuleSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads {@code source.hostPath} from the host filesystem under the host root prefix. A path the
 * spec names wrongly is permanent; a file not there (yet) is retried: putting it there needs no new spec.
 */
public final class HostPathFetcher implements ModuleFetcher {
    private final Path hostRoot;
    private final long maxBytes;

    public HostPathFetcher(Path hostRoot, long maxBytes) {
        this.hostRoot = hostRoot;
        this.maxBytes = maxBytes;
    }

    @Override
    public boolean handles(ModuleSource source) { return source.getHostPath() != null; }

    @Override
    public byte[] fetch(ModuleSource source) throws IOException {
        String p = source.getHostPath();
        if (!p.startsWith("/") || p.contains("\0") || p.matches(".*(^|/)\\.{1,2}(/|$).*")) {
            throw FetchException.permanent("hostPath must be absolute without '.' or '..' segments");
        }
        Path file = hostRoot.resolve(p.substring(1)).normalize();
        if (!file.startsWith(hostRoot.normalize())) throw FetchException.permanent("hostPath leaves the host root");
        if (!Files.isRegularFile(file)) {
            throw FetchException.retryable("no regular file at " + p + " on the host (put the module file there)");
        }
        if (Files.size(file) > maxBytes) throw FetchException.permanent("file is larger than " + maxBytes + " bytes (MAX_MODULE_BYTES)");
        return Files.readAllBytes(file);
    }

    @Override
    public String describe(ModuleSource source) { return "hostPath " + source.getHostPath(); }
}
