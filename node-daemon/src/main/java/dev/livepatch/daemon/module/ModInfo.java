package dev.livepatch.daemon.module;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code .modinfo} section of a kernel module (an ELF64 relocatable file): NUL-separated
 * {@code key=value} strings such as {@code livepatch=Y} and {@code vermagic=6.1.0-56-amd64 SMP ...};
 * and its build id, from the {@code .note.gnu.build-id} section when present.
 *
 * <p>A small, strict reader of ELF64 section headers: every offset and size is bounds-checked
 * against the file, so a truncated or hostile file is refused, never half-read.
 */
public record ModInfo(Map<String, String> fields, String buildId) {
    private static final int SHDR_SIZE = 64;
    /** The ELF note the linker writes with {@code --build-id}; the kernel shows a loaded module's in {@code /sys/module/<m>/notes}. */
    public static final String BUILD_ID_SECTION = ".note.gnu.build-id";

    /** The module's GNU build id (hex), when it has one: what identifies a loaded module's build without its file. */
    public Optional<String> buildIdHex() { return Optional.ofNullable(buildId); }

    public Optional<String> get(String key) { return Optional.ofNullable(fields.get(key)); }

    public boolean isLivepatch() { return "Y".equals(fields.get("livepatch")); }

    /** The first word of vermagic: the kernel release the module was built for. */
    public Optional<String> vermagicRelease() {
        return get("vermagic").map(String::strip).filter(s -> !s.isEmpty()).map(s -> s.split("\\s+")[0]);
    }

    /** Parses the file's bytes; throws {@link IllegalArgumentException} saying what is wrong. */
    public static ModInfo parse(byte[] elf) {
        if (elf.length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F') {
            throw new IllegalArgumentException("not an ELF file");
        }
        if (elf[4] != 2) throw new IllegalArgumentException("not an ELF64 file (class " + elf[4] + ")");
        ByteOrder order = switch (elf[5]) {
            case 1 -> ByteOrder.LITTLE_ENDIAN;
            case 2 -> ByteOrder.BIG_ENDIAN;
            default -> throw new IllegalArgumentException("unknown ELF data encoding " + elf[5]);
        };
        ByteBuffer b = ByteBuffer.wrap(elf).order(order);
        if (b.getShort(16) != 1) throw new IllegalArgumentException("not a relocatable ELF file (a kernel module is ET_REL)");
        long shoff = b.getLong(40);
        int shentsize = Short.toUnsignedInt(b.getShort(58));
        int shnum = Short.toUnsignedInt(b.getShort(60));
        int shstrndx = Short.toUnsignedInt(b.getShort(62));
        if (shentsize != SHDR_SIZE) throw new IllegalArgumentException("bad section header size " + shentsize);
        if (shnum == 0 || shstrndx >= shnum) throw new IllegalArgumentException("bad section header count/index");
        checkRange(elf, shoff, (long) shnum * SHDR_SIZE, "section headers");
        long strOff = b.getLong((int) shoff + shstrndx * SHDR_SIZE + 24);
        long strSize = b.getLong((int) shoff + shstrndx * SHDR_SIZE + 32);
        checkRange(elf, strOff, strSize, "section name table");
        Map<String, String> fields = null;
        String buildId = null;
        for (int i = 0; i < shnum; i++) {
            int h = (int) shoff + i * SHDR_SIZE;
            long nameOff = Integer.toUnsignedLong(b.getInt(h));
            if (nameOff >= strSize) throw new IllegalArgumentException("section name offset out of range");
            String name = cString(elf, (int) (strOff + nameOff), (int) (strOff + strSize));
            if (!".modinfo".equals(name) && !BUILD_ID_SECTION.equals(name)) continue;
            int type = b.getInt(h + 4);
            long off = b.getLong(h + 24);
            long size = b.getLong(h + 32);
            if (type == 8) throw new IllegalArgumentException(name + " has no content (SHT_NOBITS)");
            checkRange(elf, off, size, name);
            if (".modinfo".equals(name)) {
                fields = fields(elf, (int) off, (int) (off + size));
            } else {
                buildId = BuildId.ofNote(java.util.Arrays.copyOfRange(elf, (int) off, (int) (off + size)), order).orElse(null);
            }
        }
        if (fields != null) return new ModInfo(fields, buildId);
        throw new IllegalArgumentException("no .modinfo section (not a kernel module)");
    }

    private static Map<String, String> fields(byte[] elf, int from, int to) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = from;
        while (i < to) {
            int end = i;
            while (end < to && elf[end] != 0) end++;
            if (end > i) {
                String entry = new String(elf, i, end - i, StandardCharsets.UTF_8);
                int eq = entry.indexOf('=');
                if (eq > 0) out.putIfAbsent(entry.substring(0, eq), entry.substring(eq + 1));
            }
            i = end + 1;
        }
        return out;
    }

    private static String cString(byte[] elf, int from, int limit) {
        int end = from;
        while (end < limit && elf[end] != 0) end++;
        if (end == limit) throw new IllegalArgumentException("unterminated section name");
        return new String(elf, from, end - from, StandardCharsets.US_ASCII);
    }

    private static void checkRange(byte[] elf, long off, long size, String what) {
        if (off < 0 || size < 0 || off > elf.length || size > elf.length - off) {
            throw new IllegalArgumentException(what + " out of file bounds");
        }
    }
}
