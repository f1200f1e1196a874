package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.daemon.files.DurableFiles;
import dev.livepatch.daemon.kernel.ModuleFiles;
import dev.livepatch.daemon.kernel.ModuleImage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Module files cached by sha256 in the host cache dir ({@code <sha256>.ko}, the dir 0700, the files
 * read-only), so a reboot re-applies without the network. A file handed out is the cache file
 * opened read-only and read through that descriptor ({@link ModuleFiles}), then checked
 * ({@link ModuleChecks}); the image keeps the descriptor, so the loader loads these bytes. A file
 * that fails a check is never written to (or is removed from) the cache. Each hand-out marks the
 * file used (its mtime); {@link #prune} removes files not referenced and unused for the grace period.
 */
public final class CachingModuleStore implements ModuleStore {
    private static final long DEFAULT_MAX_BYTES = 64L << 20;
    private final Path cacheDir;
    private final List<ModuleFetcher> fetchers;
    private final ModuleFiles files;
    private final Duration pruneGrace;
    private final Clock clock;
    private final long maxBytes;

    /** Plain reads (no descriptor kept) and a prune grace of 5 minutes: for the simulated kernel and tests. */
    public CachingModuleStore(Path cacheDir, List<ModuleFetcher> fetchers) {
        this(cacheDir, fetchers, ModuleFiles.PLAIN, Duration.ofMinutes(5), Clock.systemUTC(), DEFAULT_MAX_BYTES);
    }

    public CachingModuleStore(Path cacheDir, List<ModuleFetcher> fetchers, ModuleFiles files, Duration pruneGrace, Clock clock,
                              long maxBytes) {
        this.cacheDir = cacheDir;
        this.fetchers = List.copyOf(fetchers);
        this.files = files;
        this.pruneGrace = pruneGrace;
        this.clock = clock;
        this.maxBytes = maxBytes;
    }

    public Path cacheFile(String sha256) { return cacheDir.resolve(sha256 + ".ko"); }

    @Override
    public ModuleImage verified(NodeModule module, String kernelRelease) throws ModuleException {
        ModuleSource source = module.getSource();
        String want = source.getSha256();
        if (want == null || !want.matches(ModuleSource.SHA256_PATTERN)) {
            throw new ModuleException(NodeReasons.CHECKSUM_MISMATCH, "failed to verify module " + module.getName()
                    + ": spec sha256 is not 64 lowercase hex digits; nothing loaded");
        }
        Path cached = cacheFile(want);
        ModuleImage image = fromCache(module, cached, kernelRelease);
        if (image != null) return image;
        ModuleFetcher fetcher = fetchers.stream().filter(f -> f.handles(source)).findFirst()
                .orElseThrow(() -> new ModuleException(NodeReasons.FETCH_FAILED, "failed to fetch module " + module.getName()
                        + ": the source names none of url, configMap, hostPath; nothing loaded"));
        byte[] bytes = ModuleChecks.fetch(fetcher, module);
        String got = sha256(bytes);
        if (!got.equals(want)) {
            throw new ModuleException(NodeReasons.CHECKSUM_MISMATCH, "failed to verify module " + module.getName() + " from "
                    + fetcher.describe(source) + ": sha256 is " + got + ", spec says " + want
                    + "; nothing loaded (publish the right file or fix the sha256)");
        }
        ModuleChecks.check(module, bytes, kernelRelease);
        store(cached, bytes, module.getName());
        image = fromCache(module, cached, kernelRelease);
        if (image == null) {
            throw ModuleException.retryable(NodeReasons.FETCH_FAILED, "failed to cache module " + module.getName() + " in " + cacheDir
                    + ": the file written does not read back with sha256 " + want + "; nothing loaded");
        }
        return image;
    }

    /** The cached file opened and checked, or null when it is not there or not the spec's sha256 (then it is fetched again). */
    private ModuleImage fromCache(NodeModule module, Path cached, String kernelRelease) throws ModuleException {
        try (ModuleFiles.Opened file = files.open(cached, maxBytes)) {
            if (!sha256(file.bytes()).equals(module.getSource().getSha256())) return null;
            String name = ModuleChecks.check(module, file.bytes(), kernelRelease);
            markUsed(cached);
            return file.image(name);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw ModuleException.retryable(NodeReasons.FETCH_FAILED, "failed to read cached module " + module.getName() + " at " + cached
                    + ": " + e + "; nothing loaded");
        }
    }

    private void markUsed(Path cached) {
        try {
            Files.setLastModifiedTime(cached, FileTime.from(clock.instant()));
        } catch (IOException e) {
            // the mark only delays pruning; a file that cannot take it is pruned by its older mtime
        }
    }

    private void store(Path cached, byte[] bytes, String name) throws ModuleException {
        try {
            ensureCacheDir();
            DurableFiles.SYNCED.replace(cached, bytes, DurableFiles.OWNER_READ);
        } catch (IOException e) {
            throw ModuleException.retryable(NodeReasons.FETCH_FAILED, "failed to cache module " + name + " in " + cacheDir + ": "
                    + e + "; nothing loaded");
        }
    }

    /** Creates the cache dir (and missing parents) 0700 and makes an existing one 0700. */
    private void ensureCacheDir() throws IOException {
        Files.createDirectories(cacheDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(cacheDir, PosixFilePermissions.fromString("rwx------"));
    }

    /**
     * Deletes {@code <sha256>.ko} files whose sha256 is not referenced and that were last used (or
     * written) longer than the grace period ago, and leftover temp files as old; never a referenced
     * file. Errors are skipped: pruning only frees space.
     */
    @Override
    public void prune(Set<String> referenced) {
        FileTime cutoff = FileTime.from(clock.instant().minus(pruneGrace));
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(cacheDir)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                boolean module = n.endsWith(".ko") && n.length() == 67 && !referenced.contains(n.substring(0, 64));
                boolean leftover = n.startsWith(".") && n.endsWith(".tmp");
                if ((module || leftover) && Files.isRegularFile(p) && Files.getLastModifiedTime(p).compareTo(cutoff) < 0) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            // no cache dir yet, or it cannot be listed: nothing to prune now
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
