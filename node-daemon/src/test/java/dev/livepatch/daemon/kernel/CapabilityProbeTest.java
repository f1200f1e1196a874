package dev.livepatch.daemon.kernel;

import dev.livepatch.api.v1alpha1.KernelCapabilities;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SysfsKernel#capabilities()} with and without a patch loaded, over trees shaped like what
 * Debian's 6.1, 6.12 and 7.2 show (the real-kernel tier checks the same on the kernels themselves).
 */
class CapabilityProbeTest {
    @TempDir
    Path root;

    private void file(String rel, String content) throws Exception {
        Path f = root.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
    }

    private void kernel(String bootId, String... handlers) throws Exception {
        Files.createDirectories(root.resolve("sys/kernel/livepatch"));
        file("proc/sys/kernel/random/boot_id", bootId + "\n");
        // not the livepatch core's handlers: another name ending in one, a data symbol, a module's symbol
        StringBuilder kallsyms = new StringBuilder("0000000000000000 T _text\n0000000000000000 t enabled_show\n0000000000000000 t xx_replace_show\n0000000000000000 d stack_order_show\n");
        for (String h : handlers) kallsyms.append("0000000000000000 t ").append(h).append('\n');
        kallsyms.append("0000000000000000 t replaceable_show\t[lp_other]\n0000000000000000 t stack_order_show\t[lp_other]\n");
        file("proc/kallsyms", kallsyms.toString());
    }

    private void patch(String name, String... attributes) throws Exception {
        file("sys/kernel/livepatch/" + name + "/enabled", "1\n");
        file("sys/kernel/livepatch/" + name + "/transition", "0\n");
        for (String a : attributes) file("sys/kernel/livepatch/" + name + "/" + a, "1\n");
    }

    @Test
    void withNoPatchLoadedTheAttributesComeFromTheKernelsSymbols() throws Exception {
        kernel("b612", "replace_show");
        assertThat(new SysfsKernel(root).capabilities()).isEqualTo(new KernelCapabilities(true, true, false, false));

        Path other = Files.createTempDirectory(root, "k72");
        root = other;
        kernel("b72", "replace_show", "stack_order_show");
        assertThat(new SysfsKernel(root).capabilities()).isEqualTo(new KernelCapabilities(true, true, true, false));
    }

    @Test
    void aKernelWithoutTheHandlersHasNeitherAttribute() throws Exception {
        kernel("b61");
        assertThat(new SysfsKernel(root).capabilities()).isEqualTo(new KernelCapabilities(true, false, false, false));
    }

    @Test
    void aLoadedPatchsDirectoryDecidesOverTheSymbols() throws Exception {
        kernel("b72", "replace_show", "stack_order_show");
        patch("lp_a", "replace", "stack_order", "replaceable");
        assertThat(new SysfsKernel(root).capabilities()).isEqualTo(new KernelCapabilities(true, true, true, true));
    }

    @Test
    void withAndWithoutAPatchTheAnswerIsTheSame() throws Exception {
        kernel("b72", "replace_show", "stack_order_show");
        SysfsKernel k = new SysfsKernel(root);
        KernelCapabilities none = k.capabilities();
        patch("lp_a", "replace", "stack_order");
        assertThat(k.capabilities()).isEqualTo(none).isEqualTo(new KernelCapabilities(true, true, true, false));
    }

    @Test
    void withoutKallsymsTheOptionalAttributesReadAsAbsent() throws Exception {
        Files.createDirectories(root.resolve("sys/kernel/livepatch"));
        assertThat(new SysfsKernel(root).capabilities()).isEqualTo(new KernelCapabilities(true, false, false, false));
        Files.delete(root.resolve("sys/kernel/livepatch"));
        assertThat(new SysfsKernel(root).capabilities().getLivepatch()).isFalse();
    }

    @Test
    void theSymbolsAreReadOncePerBoot() throws Exception {
        kernel("boot-1", "replace_show");
        SysfsKernel k = new SysfsKernel(root);
        assertThat(k.capabilities().getReplaceAttr()).isTrue();
        file("proc/kallsyms", "0000000000000000 T _text\n");
        assertThat(k.capabilities().getReplaceAttr()).as("same boot: not read again").isTrue();
        file("proc/sys/kernel/random/boot_id", "boot-2\n");
        assertThat(k.capabilities().getReplaceAttr()).as("another boot: read again").isFalse();
    }
}
