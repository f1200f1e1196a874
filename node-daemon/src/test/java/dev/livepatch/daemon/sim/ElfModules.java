package dev.livepatch.daemon.sim;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes tiny ELF64 relocatable files with a {@code .modinfo} section: enough of a kernel module for
 * the daemon's checks and the simulated kernel's loader. Not loadable by a real kernel. A livepatch
 * may carry its {@code klp_patch}/{@code klp_object}/{@code klp_func} arrays as static data with
 * their relocations, laid out as a real module's (x86_64: pointers first, the arrays' sizes as
 * symbols), so the daemon's reading of them is tested against the same shape.
 */
public final class ElfModules {
    /** The simulator's record of a module's functions ({@code vmlinux/f,1;mod/g,1}): what its sysfs shows after the load. */
    public static final String FUNCTIONS_KEY = "simfunctions";
    private static final int KLP_PATCH_SIZE = 200;
    private static final int KLP_OBJECT_SIZE = 168;
    private static final int KLP_FUNC_SIZE = 152;

    private ElfModules() {}

    /** A livepatch module built for {@code release}; {@code atomicReplace} sets the simulator's replace key. */
    public static byte[] livepatch(String name, String release, boolean atomicReplace) {
        return livepatch(name, release, atomicReplace, List.of(), false);
    }

    /**
     * A livepatch of {@code functions} ({@code <object>/<function>,<sympos>}); {@code staticKlp}: its
     * klp_patch is static data the daemon can read before the load (else it is "built at run time").
     */
    public static byte[] livepatch(String name, String release, boolean atomicReplace, List<String> functions, boolean staticKlp) {
        Map<String, String> info = new LinkedHashMap<>(Map.of("name", name, "livepatch", "Y", "vermagic", release + " SMP preempt mod_unload modversions ",
                "license", "GPL", SimKernel.REPLACE_KEY, atomicReplace ? "Y" : "N"));
        if (!functions.isEmpty()) info.put(FUNCTIONS_KEY, String.join(";", functions));
        return write(info, staticKlp && !functions.isEmpty() ? klp(atomicReplace, functions) : null);
    }

    public static byte[] withModinfo(Map<String, String> fields) { return write(fields, null); }

    private record Section(String name, int type, long flags, byte[] content, int link, int info, int entsize) {}

    /** The klp sections: .text, .rodata.str1.1, .data, .rela.data, .symtab, .strtab, .gnu.linkonce.this_module (indexes 4-10). */
    private static List<Section> klp(boolean replace, List<String> functions) {
        Map<String, List<String[]>> byObject = new LinkedHashMap<>();
        for (String f : functions) {
            String[] of = f.split("/", 2);
            String[] fp = of[1].split(",", 2);
            byObject.computeIfAbsent(of[0], k -> new ArrayList<>()).add(fp);
        }
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        int objsOff = KLP_PATCH_SIZE;
        int funcsOff = objsOff + (byObject.size() + 1) * KLP_OBJECT_SIZE;
        int dataSize = funcsOff + byObject.values().stream().mapToInt(l -> (l.size() + 1) * KLP_FUNC_SIZE).sum();
        ByteBuffer data = ByteBuffer.allocate(dataSize).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer rela = ByteBuffer.allocate(24 * (2 + byObject.size() * 2 + functions.size() * 2)).order(ByteOrder.LITTLE_ENDIAN);
        // symbols: 0 null, 1 .text, 2 .rodata.str1.1, 3 .data (section symbols), 4 lp_patch, 5 lp_objects, then one per funcs array, last __this_module
        ByteArrayOutputStream symNames = new ByteArrayOutputStream();
        symNames.write(0);
        List<long[]> syms = new ArrayList<>(List.of(new long[] {0, 0, 0, 0, 0}, new long[] {0, 3, 4, 0, 0}, new long[] {0, 3, 5, 0, 0},
                new long[] {0, 3, 6, 0, 0}, new long[] {name(symNames, "lp_patch"), 1, 6, 0, KLP_PATCH_SIZE},
                new long[] {name(symNames, "lp_objects"), 1, 6, objsOff, (byObject.size() + 1L) * KLP_OBJECT_SIZE}));
        int thisModule = 6 + byObject.size();
        reloc(rela, 0, thisModule, 0);
        reloc(rela, 8, 3, objsOff);
        data.put(24, (byte) (replace ? 1 : 0));
        int obj = objsOff;
        int funcs = funcsOff;
        for (Map.Entry<String, List<String[]>> o : byObject.entrySet()) {
            if (!o.getKey().equals("vmlinux")) reloc(rela, obj, 2, string(strings, o.getKey()));
            reloc(rela, obj + 8, 3, funcs);
            syms.add(new long[] {name(symNames, "lp_funcs_" + o.getKey()), 1, 6, funcs, (o.getValue().size() + 1L) * KLP_FUNC_SIZE});
            int fn = funcs;
            for (String[] f : o.getValue()) {
                reloc(rela, fn, 2, string(strings, f[0]));
                reloc(rela, fn + 8, 1, 0);
                data.putLong(fn + 16, Long.parseLong(f[1]));
                fn += KLP_FUNC_SIZE;
            }
            funcs = fn + KLP_FUNC_SIZE;
            obj += KLP_OBJECT_SIZE;
        }
        syms.add(new long[] {name(symNames, "__this_module"), 0x11, 10, 0, 64}); // STB_GLOBAL | STT_OBJECT
        ByteBuffer symtab = ByteBuffer.allocate(24 * syms.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] y : syms) {
            symtab.putInt((int) y[0]).put((byte) y[1]).put((byte) 0).putShort((short) y[2]).putLong(y[3]).putLong(y[4]);
        }
        byte[] relaBytes = java.util.Arrays.copyOf(rela.array(), rela.position());
        return List.of(new Section(".text", 1, 0x6, new byte[16], 0, 0, 0), new Section(".rodata.str1.1", 1, 0x32, strings.toByteArray(), 0, 0, 1),
                new Section(".data", 1, 0x3, data.array(), 0, 0, 0), new Section(".rela.data", 4, 0x40, relaBytes, 8, 6, 24),
                new Section(".symtab", 2, 0, symtab.array(), 9, 6, 24), new Section(".strtab", 3, 0, symNames.toByteArray(), 0, 0, 0),
                new Section(".gnu.linkonce.this_module", 1, 0x3, new byte[64], 0, 0, 0));
    }

    private static void reloc(ByteBuffer rela, long offset, int symbol, long addend) {
        rela.putLong(offset).putLong(((long) symbol << 32) | 1).putLong(addend); // R_X86_64_64
    }

    private static int string(ByteArrayOutputStream table, String s) {
        int at = table.size();
        table.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        table.write(0);
        return at;
    }

    private static int name(ByteArrayOutputStream table, String s) { return string(table, s); }

    private static byte[] write(Map<String, String> fields, List<Section> extra) {
        ByteArrayOutputStream modinfo = new ByteArrayOutputStream();
        fields.forEach((k, v) -> {
            modinfo.writeBytes((k + "=" + v).getBytes(StandardCharsets.UTF_8));
            modinfo.write(0);
        });
        List<Section> sections = new ArrayList<>(List.of(new Section("", 0, 0, new byte[0], 0, 0, 0),
                new Section(".modinfo", 1, 0, modinfo.toByteArray(), 0, 0, 0), new Section(".shstrtab", 3, 0, null, 0, 0, 0),
                new Section(".note.gnu.build-id", 7, 0, buildIdNote(modinfo.toByteArray()), 0, 0, 0)));
        if (extra != null) sections.addAll(extra);
        ByteArrayOutputStream shstrtab = new ByteArrayOutputStream();
        int[] nameAt = new int[sections.size()];
        for (int i = 0; i < sections.size(); i++) nameAt[i] = string(shstrtab, sections.get(i).name());
        sections.set(2, new Section(".shstrtab", 3, 0, shstrtab.toByteArray(), 0, 0, 0));
        long[] offsets = new long[sections.size()];
        int at = 64;
        for (int i = 1; i < sections.size(); i++) {
            at = (at + 7) & ~7;
            offsets[i] = at;
            at += sections.get(i).content().length;
        }
        int shoff = (at + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(shoff + sections.size() * 64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.putShort(16, (short) 1);          // ET_REL
        b.putShort(18, (short) 62);         // EM_X86_64
        b.putInt(20, 1);                    // EV_CURRENT
        b.putLong(40, shoff);
        b.putShort(52, (short) 64);         // e_ehsize
        b.putShort(58, (short) 64);         // e_shentsize
        b.putShort(60, (short) sections.size());
        b.putShort(62, (short) 2);          // e_shstrndx
        for (int i = 1; i < sections.size(); i++) {
            Section s = sections.get(i);
            b.put((int) offsets[i], s.content());
            int h = shoff + i * 64;
            b.putInt(h, nameAt[i]).putInt(h + 4, s.type()).putLong(h + 8, s.flags()).putLong(h + 24, offsets[i]).putLong(h + 32, s.content().length)
                    .putInt(h + 40, s.link()).putInt(h + 44, s.info()).putLong(h + 48, 1).putLong(h + 56, s.entsize());
        }
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
}
