package dev.livepatch.daemon.kernel;

import dev.livepatch.daemon.sim.ElfModules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The descriptor edge on this machine's real kernel: open + read through one descriptor, and the two module system calls' errors. */
class NativeModuleFilesTest {
    private static final byte[] MODULE = ElfModules.livepatch("lp_a", "6.1.0-56-amd64", false);

    @TempDir
    Path dir;

    @Test
    void theImageHoldsTheDescriptorItsBytesWereReadThroughSoAFileSwappedInLaterIsNotWhatItHolds() throws Exception {
        Path file = dir.resolve("lp_a.ko");
        Files.write(file, MODULE);
        DescriptorModuleImage image;
        try (ModuleFiles.Opened opened = new NativeModuleFiles().open(file, 1 << 20)) {
            assertThat(opened.bytes()).isEqualTo(MODULE);
            image = (DescriptorModuleImage) opened.image("lp_a");
        }
        int fd = image.descriptor();
        assertThat(fd).isGreaterThan(2);
        Path swapped = dir.resolve("other.ko");
        Files.write(swapped, ElfModules.livepatch("lp_evil", "6.1.0-56-amd64", false));
        Files.move(swapped, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Path held = Path.of("/proc/self/fd/" + fd);
        assertThat(Files.readAllBytes(held)).as("what finit_module would read").isEqualTo(MODULE);
        image.close();
        image.close();
        assertThat(image.descriptor()).isEqualTo(-1);
        assertThat(held).doesNotExist();
    }

    @Test
    void openRefusesWhatIsNotThereASymbolicLinkAndAFileOverTheLimitClosingItsDescriptor() throws Exception {
        assertThatThrownBy(() -> new NativeModuleFiles().open(dir.resolve("none.ko"), 10)).isInstanceOf(NoSuchFileException.class);
        Path file = dir.resolve("lp_a.ko");
        Files.write(file, MODULE);
        Files.createSymbolicLink(dir.resolve("link.ko"), file);
        assertThatThrownBy(() -> new NativeModuleFiles().open(dir.resolve("link.ko"), 1 << 20))
                .hasMessageContaining("symbolic links");
        long before = openDescriptors();
        assertThatThrownBy(() -> new NativeModuleFiles().open(file, 100)).hasMessageContaining("larger than 100 bytes");
        assertThat(openDescriptors()).isEqualTo(before);
    }

    @Test
    void theModuleSystemCallsReportTheKernelsErrnoAsKmodWould() throws Exception {
        FinitModuleLoader loader = new FinitModuleLoader();
        assertThatThrownBy(() -> loader.unload("lp_no_such_module_here"))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isIn(Errno.ENOENT, Errno.EPERM, Errno.ENOSYS))
                .hasMessageStartingWith("failed to unload module lp_no_such_module_here: ");
        assertThatThrownBy(() -> loader.load(new ModuleImage("lp_a", dir.resolve("lp_a.ko"), MODULE)))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessageContaining("no open descriptor");
        Path garbage = dir.resolve("garbage.ko");
        Files.write(garbage, new byte[] {1, 2, 3, 4});
        try (ModuleFiles.Opened opened = new NativeModuleFiles().open(garbage, 100); ModuleImage image = opened.image("garbage")) {
            // not loadable whatever this machine allows: no CAP_SYS_MODULE (EPERM), no module support (ENOSYS), or not ELF (ENOEXEC)
            assertThatThrownBy(() -> loader.load(image))
                    .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isIn(Errno.EPERM, Errno.ENOSYS, Errno.ENOEXEC))
                    .hasMessageStartingWith("failed to load module garbage from " + garbage + ": ");
        }
        assertThatThrownBy(() -> loader.unload("../x")).isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    private static long openDescriptors() throws Exception {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
