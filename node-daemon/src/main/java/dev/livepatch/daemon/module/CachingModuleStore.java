package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;

import java.io.IOException;
import dev.livepatch.daemon.kernel.ModuleImage;

import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Module files cached by sha256 in the host cache dir ({@code <sha256>.ko}), so a reboot re-applies
 * without the network (DESIGN §5 rule 5). Every file — fetched or cached — is checked before its
 * path is handed out: sha256 equals the spec's, {@code livepatch=Y}, vermagic names the running
 * kernel. A file that fails a check is never written to (or is removed from) the cache.
 */
public final class CachingModuleStore implements ModuleStore {
    private final Path cacheDir;
    private final List<ModuleFetcher> fetchers;

    public CachingModuleStore(Path cacheDir, List<ModuleFetcher> fetchers) {
        this.cacheDir = cacheDir;
        this.fetchers = List.copyOf(fetchers);
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
        byte[] bytes = readCached(cached);
        if (bytes != null && sha256(bytes).equals(want)) {
            check(module, bytes, kernelRelease);
            return new ModuleImage(module.getName(), cached, bytes);
        }
        ModuleFetcher fetcher = fetchers.stream().filter(f -> f.handles(source)).findFirst()
                .orElseThrow(() -> new ModuleException(NodeReasons.FETCH_FAILED, "failed to fetch module " + module.getName()
                        + ": the source names none of url, configMap, hostPath; nothing loaded"));
        try {
            bytes = fetcher.fetch(source);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModuleException(NodeReasons.FETCH_FAILED, "failed to fetch module " + module.getName() + ": interrupted; nothing loaded");
        } catch (Exception e) {
            throw new ModuleException(NodeReasons.FETCH_FAILED, "failed to fetch module " + module.getName() + " from "
                    + fetcher.describe(source) + ": " + e.getMessage() + "; nothing loaded");
        }
        String got = sha256(bytes);
        if (!got.equals(want)) {
            throw new ModuleException(NodeReasons.CHECKSUM_MISMATCH, "failed to verify module " + module.getName() + " from "
                    + fetcher.describe(source) + ": sha256 is " + got + ", spec says " + want
                    + "; nothing loaded (publish the right file or fix the sha256)");
        }
        check(module, bytes, kernelRelease);
        store(cached, bytes, module.getName());
        return new ModuleImage(module.getName(), cached, bytes);
    }

    private static void check(NodeModule module, byte[] bytes, String kernelRelease) throws ModuleException {
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
        String built = info.vermagicRelease().orElse("(none)");
        if (!built.equals(kernelRelease)) {
            throw new ModuleException(NodeReasons.VERMAGIC_MISMATCH, "failed to verify module " + module.getName()
                    + ": built for kernel " + built + " (vermagic) but the node runs " + kernelRelease
                    + "; nothing loaded (build the module against this kernel's headers)");
        }
    }

    private static byte[] readCached(Path cached) {
        try {
            return Files.isRegularFile(cached) ? Files.readAllBytes(cached) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private void store(Path cached, byte[] bytes, String name) throws ModuleException {
        try {
            Files.createDirectories(cacheDir);
            Path tmp = Files.createTempFile(cacheDir, ".fetch-", ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, cached, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new ModuleException(NodeReasons.FETCH_FAILED, "failed to cache module " + name + " in " + cacheDir + ": "
                    + e.getMessage() + "; nothing loaded");
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
