package dev.livepatch.daemon.module;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A small, strict reader of an ELF64 relocatable file (a kernel module): its section headers,
 * symbols and RELA relocations. Every offset and size is bounds-checked against the file, so a
 * truncated or hostile file is refused ({@link IllegalArgumentException} saying what is wrong),
 * never half-read.
 */
final class Elf64 {
    static final int SHT_PROGBITS = 1;
    static final int SHT_SYMTAB = 2;
    static final int SHT_RELA = 4;
    static final int SHT_NOBITS = 8;
    static final int STT_OBJECT = 1;
    static final int STT_FUNC = 2;
    static final int STT_SECTION = 3;
    static final long SHF_EXECINSTR = 0x4;
    private static final int SHDR_SIZE = 64;
    private static final int SYM_SIZE = 24;
    private static final int RELA_SIZE = 24;
    private static final int SHN_LORESERVE = 0xff00;

    record Section(int index, String name, int type, long flags, long offset, long size, int link, int info) {
        boolean hasContent() { return type != SHT_NOBITS; }
    }

    /** {@code shndx} 0 (undefined) or a reserved index: not a place in this file. */
    record Symbol(String name, int type, int shndx, long value, long size) {
        boolean defined() { return shndx != 0 && shndx < SHN_LORESERVE; }
    }

    record Rela(long offset, int symbol, long type, long addend) {}

    final byte[] elf;
    final ByteOrder order;
    final int machine;
    private final ByteBuffer b;
    private final List<Section> sections = new ArrayList<>();

    private Elf64(byte[] elf) {
        if (elf.length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F') {
            throw new IllegalArgumentException("not an ELF file");
        }
        if (elf[4] != 2) throw new IllegalArgumentException("not an ELF64 file (class " + elf[4] + ")");
        this.order = switch (elf[5]) {
            case 1 -> ByteOrder.LITTLE_ENDIAN;
            case 2 -> ByteOrder.BIG_ENDIAN;
            default -> throw new IllegalArgumentException("unknown ELF data encoding " + elf[5]);
        };
        this.elf = elf;
        this.b = ByteBuffer.wrap(elf).order(order);
        if (b.getShort(16) != 1) throw new IllegalArgumentException("not a relocatable ELF file (a kernel module is ET_REL)");
        this.machine = Short.toUnsignedInt(b.getShort(18));
        long shoff = b.getLong(40);
        int shentsize = Short.toUnsignedInt(b.getShort(58));
        int shnum = Short.toUnsignedInt(b.getShort(60));
        int shstrndx = Short.toUnsignedInt(b.getShort(62));
        if (shentsize != SHDR_SIZE) throw new IllegalArgumentException("bad section header size " + shentsize);
        if (shnum == 0 || shstrndx >= shnum) throw new IllegalArgumentException("bad section header count/index");
        checkRange(shoff, (long) shnum * SHDR_SIZE, "section headers");
        long strOff = b.getLong((int) shoff + shstrndx * SHDR_SIZE + 24);
        long strSize = b.getLong((int) shoff + shstrndx * SHDR_SIZE + 32);
        checkRange(strOff, strSize, "section name table");
        for (int i = 0; i < shnum; i++) {
            int h = (int) shoff + i * SHDR_SIZE;
            long nameOff = Integer.toUnsignedLong(b.getInt(h));
            if (nameOff >= strSize) throw new IllegalArgumentException("section name offset out of range");
            String name = cString((int) (strOff + nameOff), (int) (strOff + strSize))
                    .orElseThrow(() -> new IllegalArgumentException("unterminated section name"));
            Section s = new Section(i, name, b.getInt(h + 4), b.getLong(h + 8), b.getLong(h + 24), b.getLong(h + 32), b.getInt(h + 40), b.getInt(h + 44));
            if (s.hasContent()) checkRange(s.offset(), s.size(), name);
            sections.add(s);
        }
    }

    static Elf64 parse(byte[] elf) { return new Elf64(elf); }

    List<Section> sections() { return sections; }

    Optional<Section> section(int index) {
        return index >= 0 && index < sections.size() ? Optional.of(sections.get(index)) : Optional.empty();
    }

    /** The section's bytes; throws for one without content. */
    byte[] content(Section s) {
        if (!s.hasContent()) throw new IllegalArgumentException(s.name() + " has no content (SHT_NOBITS)");
        return java.util.Arrays.copyOfRange(elf, (int) s.offset(), (int) (s.offset() + s.size()));
    }

    /** The symbol table, index 0 (the null symbol) included; empty when the file has none. */
    List<Symbol> symbols() {
        Optional<Section> symtab = sections.stream().filter(s -> s.type() == SHT_SYMTAB).findFirst();
        if (symtab.isEmpty()) return List.of();
        Section st = symtab.get();
        Section names = section(st.link()).orElseThrow(() -> new IllegalArgumentException("symbol table names no string table"));
        if (!names.hasContent()) throw new IllegalArgumentException("symbol string table has no content");
        List<Symbol> out = new ArrayList<>();
        for (long at = st.offset(); at + SYM_SIZE <= st.offset() + st.size(); at += SYM_SIZE) {
            int e = (int) at;
            long nameOff = Integer.toUnsignedLong(b.getInt(e));
            String name = nameOff < names.size() ? cString((int) (names.offset() + nameOff), (int) (names.offset() + names.size())).orElse("") : "";
            out.add(new Symbol(name, elf[e + 4] & 0xf, Short.toUnsignedInt(b.getShort(e + 6)), b.getLong(e + 8), b.getLong(e + 16)));
        }
        return out;
    }

    /** The RELA relocations that apply to section {@code target}, from every SHT_RELA section whose sh_info names it. */
    List<Rela> relocationsOf(int target) {
        List<Rela> out = new ArrayList<>();
        for (Section s : sections) {
            if (s.type() != SHT_RELA || s.info() != target) continue;
            for (long at = s.offset(); at + RELA_SIZE <= s.offset() + s.size(); at += RELA_SIZE) {
                long info = b.getLong((int) at + 8);
                out.add(new Rela(b.getLong((int) at), (int) (info >>> 32), info & 0xffffffffL, b.getLong((int) at + 16)));
            }
        }
        return out;
    }

    long u64(Section s, long offset) {
        if (!s.hasContent() || offset < 0 || offset + 8 > s.size()) throw new IllegalArgumentException("read past " + s.name());
        return b.getLong((int) (s.offset() + offset));
    }

    int u8(Section s, long offset) {
        if (!s.hasContent() || offset < 0 || offset + 1 > s.size()) throw new IllegalArgumentException("read past " + s.name());
        return elf[(int) (s.offset() + offset)] & 0xff;
    }

    /** The NUL-terminated string at {@code offset} of section {@code s}; empty when it runs past the section. */
    Optional<String> string(Section s, long offset) {
        if (!s.hasContent() || offset < 0 || offset >= s.size()) return Optional.empty();
        return cString((int) (s.offset() + offset), (int) (s.offset() + s.size()));
    }

    private Optional<String> cString(int from, int limit) {
        int end = from;
        while (end < limit && elf[end] != 0) end++;
        if (end == limit) return Optional.empty();
        return Optional.of(new String(elf, from, end - from, StandardCharsets.UTF_8));
    }

    private void checkRange(long off, long size, String what) {
        if (off < 0 || size < 0 || off > elf.length || size > elf.length - off) {
            throw new IllegalArgumentException(what + " out of file bounds");
        }
    }
}
