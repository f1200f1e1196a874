package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.ModuleSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads {@code source.hostPath} from the host filesystem under the host root prefix. */
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
            throw new IOException("hostPath must be absolute without '.' or '..' segments");
        }
        Path file = hostRoot.resolve(p.substring(1)).normalize();
        if (!file.startsWith(hostRoot.normalize())) throw new IOException("hostPath leaves the host root");
        if (!Files.isRegularFile(file)) throw new IOException("no regular file at " + p + " on the host");
        if (Files.size(file) > maxBytes) throw new IOException("file is larger than " + maxBytes + " bytes");
        return Files.readAllBytes(file);
    }

    @Override
    public String describe(ModuleSource source) { return "hostPath " + source.getHostPath(); }
}
