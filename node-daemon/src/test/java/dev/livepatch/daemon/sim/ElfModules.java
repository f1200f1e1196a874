package dev.livepatch.daemon.sim;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes tiny ELF64 relocatable files with a {@code .modinfo} section: enough of a kernel module for
 * the daemon's checks and the simulated kernel's loader. Not loadable by a real kernel.
 */
public final class ElfModules {
    private ElfModules() {}

    /** A livepatch module built for {@code release}; {@code atomicReplace} sets the simulator's replace key. */
    public static byte[] livepatch(String name, String release, boolean atomicReplace) {
        return withModinfo(Map.of("name", name, "livepatch", "Y", "vermagic", release + " SMP preempt mod_unload modversions ",
                "license", "GPL", SimKernel.REPLACE_KEY, atomicReplace ? "Y" : "N"));
    }

    public static byte[] withModinfo(Map<String, String> fields) {
        ByteArrayOutputStream modinfo = new ByteArrayOutputStream();
        fields.forEach((k, v) -> {
            modinfo.writeBytes((k + "=" + v).getBytes(StandardCharsets.UTF_8));
            modinfo.write(0);
        });
        byte[] shstrtab = "\0.modinfo\0.shstrtab\0.note.gnu.build-id\0".getBytes(StandardCharsets.US_ASCII);
        byte[] info = modinfo.toByteArray();
        byte[] note = buildIdNote(info);
        int infoOff = 64;
        int noteOff = (infoOff + info.length + 3) & ~3;
        int strOff = noteOff + note.length;
        int shoff = (strOff + shstrtab.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(shoff + 4 * 64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.putShort(16, (short) 1);          // ET_REL
        b.putShort(18, (short) 62);         // EM_X86_64
        b.putInt(20, 1);                    // EV_CURRENT
        b.putLong(40, shoff);
        b.putShort(52, (short) 64);         // e_ehsize
        b.putShort(58, (short) 64);         // e_shentsize
        b.putShort(60, (short) 4);          // e_shnum
        b.putShort(62, (short) 2);          // e_shstrndx
        b.put(infoOff, info);
        b.put(strOff, shstrtab);
        section(b, shoff + 64, 1, 1, infoOff, info.length);      // .modinfo, SHT_PROGBITS
        section(b, shoff + 128, 10, 3, strOff, shstrtab.length); // .shstrtab, SHT_STRTAB
        b.put(noteOff, note);
        section(b, shoff + 192, 20, 7, noteOff, note.length);    // .note.gnu.build-id, SHT_NOTE
        return b.array();
    }

    /** The note of a build id given in hex (what a loaded module's /sys/module/<m>/notes file holds). */
    static byte[] buildIdNoteOf(String hex) {
        byte[] id = java.util.HexFormat.of().parseHex(hex);
        ByteBuffer n = ByteBuffer.allocate(16 + id.length).order(ByteOrder.LITTLE_ENDIAN);
        n.putInt(4).putInt(id.length).putInt(3).put(new byte[] {'G', 'N', 'U', 0}).put(id);
        return n.array();
    }

    /** A GNU build-id note whose id is the SHA-1 of {@code content}, as the linker's {@code --build-id=sha1} would make one. */
    static byte[] buildIdNote(byte[] content) {
        try {
            return buildIdNoteOf(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(content)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void section(ByteBuffer b, int at, int name, int type, long off, long size) {
        b.putInt(at, name);
        b.putInt(at + 4, type);
        b.putLong(at + 24, off);
        b.putLong(at + 32, size);
        b.putLong(at + 48, 1);
    }
}
