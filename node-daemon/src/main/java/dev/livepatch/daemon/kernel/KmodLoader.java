package dev.livepatch.daemon.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Loads modules with kmod's {@code insmod} and unloads them with {@code rmmod}, each run as an argv
 * array through {@link ProcessBuilder} — never through a shell, so no spec text is ever interpreted.
 *
 * <p>Why not the {@code finit_module(2)} syscall directly: plain Java 17 cannot make a syscall
 * without JNI or the Panama foreign-function API, which is an incubator module in 17 (stable only
 * in 22). A native library would have to be built per architecture and loaded into a privileged
 * process. insmod is exactly finit_module on an opened file (plus delete_module for rmmod), ships
 * in every distribution's kmod package, and reports the kernel's errno on stderr, which
 * {@link Errno#fromMessage} maps back. The module file is verified before (sha256, livepatch,
 * vermagic) and insmod gets its absolute path in the host cache.
 */
public final class KmodLoader implements ModuleLoader {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private final String insmod;
    private final String rmmod;

    public KmodLoader(String insmod, String rmmod) {
        this.insmod = insmod;
        this.rmmod = rmmod;
    }

    @Override
    public void load(ModuleImage image) throws KernelException {
        Path moduleFile = image.file();
        run(List.of(insmod, moduleFile.toAbsolutePath().toString()), "insmod " + moduleFile.getFileName());
    }

    @Override
    public void unload(String moduleName) throws KernelException {
        if (!moduleName.matches("[A-Za-z0-9_-]+")) {
            throw new KernelException(Errno.EINVAL, "not a module name: '" + moduleName + "'");
        }
        run(List.of(rmmod, moduleName), "rmmod " + moduleName);
    }

    private static void run(List<String> argv, String what) throws KernelException {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new KernelException(Errno.OTHER, what + ": no answer after " + TIMEOUT.toSeconds() + "s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0) {
                throw new KernelException(Errno.fromMessage(out), what + ": exit " + p.exitValue() + (out.isEmpty() ? "" : ": " + out));
            }
        } catch (IOException e) {
            throw new KernelException(Errno.OTHER, what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelException(Errno.OTHER, what + ": interrupted", e);
        }
    }
}
