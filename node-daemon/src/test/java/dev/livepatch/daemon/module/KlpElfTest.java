package dev.livepatch.daemon.module;

import dev.livepatch.daemon.kernel.PatchedFunction;
import dev.livepatch.daemon.sim.ElfModules;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading what a module patches from its file (docs/design.md §5 rule 10); the real modules' reading is checked in the kernel tier. */
class KlpElfTest {
    private static final String RELEASE = "6.1.0-56-amd64";

    @Test
    void readsTheFunctionsPerObjectAndTheReplaceFlagOfAStaticKlpPatch() {
        byte[] elf = ElfModules.livepatch("lp_a", RELEASE, true,
                List.of("vmlinux/cmdline_proc_show,1", "vmlinux/do_exit,0", "lp_busy/lp_busy_work,2"), true);

        KlpElf.Patch p = KlpElf.read(elf).orElseThrow();

        assertThat(p.replace()).isTrue();
        assertThat(p.functions()).containsExactlyInAnyOrder(new PatchedFunction("vmlinux", "cmdline_proc_show", 1),
                new PatchedFunction("vmlinux", "do_exit", 1), new PatchedFunction("lp_busy", "lp_busy_work", 2));
        assertThat(KlpElf.read(ElfModules.livepatch("lp_b", RELEASE, false, List.of("vmlinux/f,1"), true)).orElseThrow().replace()).isFalse();
    }

    @Test
    void aPatchBuiltAtRunTimeOrAFileThatIsNotOneIsUnreadableNotEmpty() {
        assertThat(KlpElf.read(ElfModules.livepatch("lp_a", RELEASE, false, List.of("vmlinux/f,1"), false))).isEmpty();
        assertThat(KlpElf.read(ElfModules.livepatch("lp_a", RELEASE, false))).isEmpty();
        assertThat(KlpElf.read("not an elf".getBytes())).isEmpty();
    }

    @Test
    void aBrokenChainIsUnreadable() {
        byte[] good = ElfModules.livepatch("lp_a", RELEASE, false, List.of("vmlinux/f,1"), true);
        // the replace byte must be a bool: anything else is not the layout assumed
        byte[] badReplace = good.clone();
        int data = dataOffset(good);
        badReplace[data + 24] = 7;
        assertThat(KlpElf.read(badReplace)).isEmpty();
        // a truncated file is refused, never half-read
        assertThat(KlpElf.read(java.util.Arrays.copyOf(good, good.length - 70))).isEmpty();
    }

    @Test
    void sysfsNamesReadTheSameAsTheFilesSympos() {
        assertThat(PatchedFunction.ofSysfs("vmlinux", "cmdline_proc_show,1")).hasValue(new PatchedFunction("vmlinux", "cmdline_proc_show", 0));
        assertThat(PatchedFunction.ofSysfs("vmlinux", "patched")).isEmpty();
        assertThat(new PatchedFunction("lp_busy", "lp_busy_work", 2)).hasToString("lp_busy/lp_busy_work,2");
    }

    /** The file offset of the .data section (where the sim writer puts klp_patch at offset 0). */
    private static int dataOffset(byte[] elf) {
        Elf64 e = Elf64.parse(elf);
        return (int) e.sections().stream().filter(s -> s.name().equals(".data")).findFirst().orElseThrow().offset();
    }
}
