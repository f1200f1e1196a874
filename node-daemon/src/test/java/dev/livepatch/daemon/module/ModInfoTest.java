package dev.livepatch.daemon.module;

import dev.livepatch.daemon.sim.ElfModules;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModInfoTest {
    @Test
    void readsLivepatchAndVermagic() {
        ModInfo info = ModInfo.parse(ElfModules.livepatch("lp_a", "6.1.0-56-amd64", false));
        assertThat(info.isLivepatch()).isTrue();
        assertThat(info.vermagicRelease()).hasValue("6.1.0-56-amd64");
        assertThat(info.get("name")).hasValue("lp_a");
    }

    @Test
    void refusesWhatIsNotAModule() {
        byte[] good = ElfModules.livepatch("lp_a", "6.1.0-56-amd64", false);
        assertThatThrownBy(() -> ModInfo.parse("#!/bin/sh\necho hi\n".repeat(10).getBytes())).hasMessageContaining("not an ELF");
        assertThatThrownBy(() -> ModInfo.parse(Arrays.copyOf(good, good.length - 100))).hasMessageContaining("out of file bounds");
        byte[] elf32 = good.clone();
        elf32[4] = 1;
        assertThatThrownBy(() -> ModInfo.parse(elf32)).hasMessageContaining("ELF64");
        byte[] hugeOffset = good.clone();
        ByteBuffer.wrap(hugeOffset).order(ByteOrder.LITTLE_ENDIAN).putLong(40, Long.MAX_VALUE - 10);
        assertThatThrownBy(() -> ModInfo.parse(hugeOffset)).isInstanceOf(IllegalArgumentException.class);
        byte[] renamed = good.clone();
        String text = new String(renamed, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = text.indexOf(".modinfo\0.shstrtab");
        renamed[at + 1] = 'X'; // ".Xodinfo": no .modinfo section any more
        assertThatThrownBy(() -> ModInfo.parse(renamed)).hasMessageContaining("no .modinfo");
    }

    @Test
    void readsTheBuildIdNoteOfAModuleAndOfTheKernelsSysfsFile() {
        byte[] a = ElfModules.livepatch("lp_a", "6.1.0-56-amd64", false);
        byte[] b = ElfModules.livepatch("lp_b", "6.1.0-56-amd64", false);
        String id = ModInfo.parse(a).buildIdHex().orElseThrow();
        assertThat(id).hasSize(40).isNotEqualTo(ModInfo.parse(b).buildIdHex().orElseThrow());

        // /sys/module/<m>/notes/.note.gnu.build-id: namesz 4, descsz 20, type 3 (NT_GNU_BUILD_ID), "GNU\0", the id
        ByteBuffer note = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN).putInt(4).putInt(20).putInt(3)
                .put(new byte[] {'G', 'N', 'U', 0}).put(java.util.HexFormat.of().parseHex(id));
        assertThat(BuildId.ofNote(note.array(), ByteOrder.LITTLE_ENDIAN)).contains(id);
        // another note first (a .note.Linux-style one), then the build id
        ByteBuffer two = ByteBuffer.allocate(24 + 36).order(ByteOrder.LITTLE_ENDIAN).putInt(6).putInt(4).putInt(0x100)
                .put(new byte[] {'L', 'i', 'n', 'u', 'x', 0, 0, 0}).putInt(0).put(note.array());
        assertThat(BuildId.ofNote(two.array(), ByteOrder.LITTLE_ENDIAN)).contains(id);
        assertThat(BuildId.ofNote(Arrays.copyOf(note.array(), 30), ByteOrder.LITTLE_ENDIAN)).as("truncated").isEmpty();
        assertThat(BuildId.ofNote(new byte[0], ByteOrder.LITTLE_ENDIAN)).isEmpty();
    }
}
