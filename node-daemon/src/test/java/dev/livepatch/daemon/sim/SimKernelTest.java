package dev.livepatch.daemon.sim;

import dev.livepatch.daemon.kernel.Errno;
import dev.livepatch.daemon.kernel.KernelException;
import dev.livepatch.daemon.kernel.ModuleImage;
import dev.livepatch.daemon.kernel.PatchState;
import dev.livepatch.daemon.kernel.SysfsKernel;
import dev.livepatch.daemon.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimKernelTest {
    private static final String RELEASE = "6.1.0-56-amd64";

    @TempDir
    Path root;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));

    private static ModuleImage image(String file, String builtName, boolean replace) {
        return new ModuleImage(builtName, Path.of("/cache/" + file + ".ko"), ElfModules.livepatch(builtName, RELEASE, replace));
    }

    @Test
    void aConcurrentReaderNeverSeesHalfAFileNorALoadedModulesDirectoryMissing() throws Exception {
        SimKernel k = new SimKernel(root, clock, SimKernel.Config.debian61());
        k.load(image("lp_a", "lp_a", false));
        Path refcnt = root.resolve("sys/module/lp_a/refcnt");
        Path modules = root.resolve("proc/modules");
        Path enabled = root.resolve("sys/kernel/livepatch/lp_a/enabled");
        AtomicBoolean stop = new AtomicBoolean();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                for (Path p : List.of(refcnt, modules, enabled)) {
                    try {
                        seen.add(p.getFileName() + "=" + Files.readString(p));
                    } catch (NoSuchFileException e) {
                        seen.add(p.getFileName() + " missing");
                    } catch (Exception e) {
                        seen.add(p.getFileName() + " " + e);
                    }
                }
            }
        });
        reader.start();
        try {
            for (int i = 0; i < 1000; i++) {
                k.addTask(1000 + i, "t" + i, List.of("f"), false); // each one rewrites the tree
            }
        } finally {
            stop.set(true);
            reader.join();
        }
        assertThat(seen).allSatisfy(s -> assertThat(s).matches("(refcnt=1\n|modules=lp_a 16384 1 - Live 0x0000000000000000 \\(OEK\\)\n|enabled=1\n)"));
    }

    @Test
    void aModuleIsNamedByTheNameBuiltIntoItNotByItsFileAndShowsItsReplaceAsBuilt() throws Exception {
        SimKernel k = new SimKernel(root, clock, SimKernel.Config.debian61().withModernAttrs());
        SysfsKernel sysfs = new SysfsKernel(root, k);
        k.load(image("lp_fix_v2", "lp_fix", true));
        assertThat(k.loadedModules()).containsExactly("lp_fix");
        assertThat(sysfs.patches()).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("lp_fix");
            assertThat(p.replace()).as("built with replace").isTrue();
        });
        clock.advance(Duration.ofSeconds(3));
        k.advance();
        assertThatThrownBy(() -> k.load(image("lp_fix_v3", "lp_fix", false)))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST))
                .hasMessage("failed to load module lp_fix: File exists");
        k.load(image("lp_other", "lp_plain", false));
        assertThat(sysfs.patch("lp_plain")).map(PatchState::replace).hasValue(false);
    }

    @Test
    void faultHooksRefuseLoadsAsTheKernelWould() throws Exception {
        SimKernel k = new SimKernel(root, clock, SimKernel.Config.debian61());
        k.failNextInsmod(Errno.EBUSY);
        assertThatThrownBy(() -> k.load(image("lp_a", "lp_a", false)))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY))
                .hasMessage("failed to load module lp_a: Device or resource busy");
        k.refuseSignatures(true);
        assertThatThrownBy(() -> k.load(image("lp_a", "lp_a", false)))
                .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EKEYREJECTED))
                .hasMessage("failed to load module lp_a: Key was rejected by service");
        assertThat(k.loadedModules()).isEmpty();
        k.refuseSignatures(false);
        k.addTask(7, "fio", List.of("lp_busy_work+0x11/0x30 [lp_busy]"), true);
        k.load(image("lp_a", "lp_a", false));
        clock.advance(Duration.ofMinutes(10));
        k.advance();
        assertThat(k.inTransition()).as("a task that never leaves the patched function").isTrue();
        assertThat(new SysfsKernel(root, k).blockingTasks(1, 10).tasks()).singleElement().satisfies(t -> assertThat(t.getPid()).isEqualTo(7));
    }
}
