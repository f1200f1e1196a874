package dev.livepatch.daemon.module;

import dev.livepatch.daemon.kernel.PatchedFunction;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a livepatch module will patch, read from its file before it is loaded: the functions its
 * {@code klp_func} entries name and its {@code klp_patch.replace}, where the module declares them as
 * statically initialised data (docs/design.md §5 rule 10).
 *
 * <p>The chain followed, with the layout of {@code include/linux/livepatch.h} from 5.5 on (pointers
 * first, unchanged through 7.x): the one {@code struct klp_patch} whose {@code .mod} (offset 0) has
 * an absolute relocation to {@code __this_module} and whose {@code .objs} (offset 8) one to a
 * {@code klp_object} array; {@code .replace} is the byte at offset 24 of its initialised data. Each
 * {@code klp_object} is found by its {@code .funcs} relocation (offset 8, to a {@code klp_func} array),
 * its {@code .name} is the string its offset-0 relocation points at (none: vmlinux). Each
 * {@code klp_func} is an {@code .old_name} relocation to a string (offset 0) with a {@code .new_func}
 * relocation (offset 8); {@code .old_sympos} is the word at offset 16. Array extents are the
 * symbols' sizes, so no struct size (which depends on the kernel's config) is assumed.
 *
 * <p>Unreadable (empty) — and then the check is the kernel's sysfs after the load — when the file
 * builds its {@code klp_patch} at run time (kpatch-build's patch hook fills it in from its
 * {@code .kpatch.funcs} section; in-tree klp-build generates its own init), for another machine than
 * x86_64 or aarch64, when more than one candidate {@code klp_patch} or none is found, or when any
 * piece of the chain is not what the layout says.
 */
public final class KlpElf {
    private static final int EM_X86_64 = 62;
    private static final int EM_AARCH64 = 183;
    private static final long R_X86_64_64 = 1;
    private static final long R_AARCH64_ABS64 = 257;

    /** @param replace the module's {@code klp_patch.replace}: built with atomic replace */
    public record Patch(boolean replace, Set<PatchedFunction> functions) {
        public Patch {
            functions = Set.copyOf(functions);
        }
    }

    private record Place(Elf64.Section section, long offset) {}

    private final Elf64 elf;
    private final List<Elf64.Symbol> symbols;
    private final long abs64;
    private final Map<Integer, java.util.NavigableMap<Long, Elf64.Rela>> relocs = new java.util.HashMap<>();

    private KlpElf(Elf64 elf, long abs64) {
        this.elf = elf;
        this.symbols = elf.symbols();
        this.abs64 = abs64;
    }

    /** The module's patch as its file declares it; empty when that cannot be read reliably (see the class comment). */
    public static Optional<Patch> read(byte[] module) {
        try {
            Elf64 elf = Elf64.parse(module);
            long abs64 = switch (elf.machine) {
                case EM_X86_64 -> R_X86_64_64;
                case EM_AARCH64 -> R_AARCH64_ABS64;
                default -> -1;
            };
            return abs64 < 0 ? Optional.empty() : new KlpElf(elf, abs64).patch();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private Optional<Patch> patch() {
        List<Patch> found = new ArrayList<>();
        for (Elf64.Section s : elf.sections()) {
            if (!s.hasContent() || s.name().equals(".gnu.linkonce.this_module")) continue;
            for (Map.Entry<Long, Elf64.Rela> r : relocations(s).entrySet()) {
                if (!isThisModule(r.getValue())) continue;
                Optional<Place> objs = target(s, r.getKey() + 8);
                if (objs.isEmpty()) continue;
                Set<PatchedFunction> functions = objects(objs.get());
                int replace = elf.u8(s, r.getKey() + 24);
                if (functions.isEmpty() || replace > 1) continue;
                found.add(new Patch(replace == 1, functions));
            }
        }
        return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
    }

    /** The functions of a klp_object array; empty when it is not one. */
    private Set<PatchedFunction> objects(Place objs) {
        Optional<Long> end = arrayEnd(objs);
        if (end.isEmpty()) return Set.of();
        Set<PatchedFunction> out = new LinkedHashSet<>();
        for (long at : relocations(objs.section()).subMap(objs.offset(), true, end.get(), false).keySet()) {
            Optional<Place> funcs = target(objs.section(), at);
            if (funcs.isEmpty() || arrayEnd(funcs.get()).isEmpty() || at - 8 < objs.offset()) continue; // a callback, or the name
            Elf64.Rela nameRel = relocations(objs.section()).get(at - 8);
            String object = PatchedFunction.VMLINUX;
            if (nameRel != null) {
                Optional<String> name = target(objs.section(), at - 8).flatMap(p -> elf.string(p.section(), p.offset()));
                if (name.isEmpty() || name.get().isEmpty()) return Set.of();
                object = name.get();
            }
            Set<PatchedFunction> fs = functions(object, funcs.get());
            if (fs.isEmpty()) return Set.of();
            out.addAll(fs);
        }
        return out;
    }

    /** The entries of a klp_func array: every relocation in it is an old_name with its new_func, or it is not one. */
    private Set<PatchedFunction> functions(String object, Place funcs) {
        long end = arrayEnd(funcs).orElseThrow();
        TreeMap<Long, Elf64.Rela> in = new TreeMap<>(relocations(funcs.section()).subMap(funcs.offset(), true, end, false));
        Set<PatchedFunction> out = new LinkedHashSet<>();
        while (!in.isEmpty()) {
            long at = in.firstKey();
            Optional<String> name = target(funcs.section(), at).flatMap(p -> elf.string(p.section(), p.offset()));
            Optional<Place> code = target(funcs.section(), at + 8).filter(p -> (p.section().flags() & Elf64.SHF_EXECINSTR) != 0);
            if (name.isEmpty() || name.get().isEmpty() || code.isEmpty()) return Set.of();
            out.add(new PatchedFunction(object, name.get(), elf.u64(funcs.section(), at + 16)));
            in.remove(at);
            in.remove(at + 8);
        }
        return out;
    }

    /** Where an absolute relocation at {@code offset} of section {@code s} points; empty when there is none or it points nowhere in the file. */
    private Optional<Place> target(Elf64.Section s, long offset) {
        Elf64.Rela r = relocations(s).get(offset);
        if (r == null || r.type() != abs64 || r.symbol() <= 0 || r.symbol() >= symbols.size()) return Optional.empty();
        Elf64.Symbol sym = symbols.get(r.symbol());
        if (!sym.defined()) return Optional.empty();
        long base = sym.type() == Elf64.STT_SECTION ? 0 : sym.value();
        return elf.section(sym.shndx()).filter(Elf64.Section::hasContent).map(sec -> new Place(sec, base + r.addend()));
    }

    /** The end of the array a data object symbol starting exactly at {@code p} spans (its st_size). */
    private Optional<Long> arrayEnd(Place p) {
        return symbols.stream()
                .filter(y -> y.type() == Elf64.STT_OBJECT && y.shndx() == p.section().index() && y.value() == p.offset() && y.size() > 0)
                .map(y -> p.offset() + y.size()).filter(e -> e <= p.section().size()).findFirst();
    }

    private boolean isThisModule(Elf64.Rela r) {
        return r.type() == abs64 && r.symbol() > 0 && r.symbol() < symbols.size() && symbols.get(r.symbol()).name().equals("__this_module");
    }

    /** The section's relocations by offset (read once). */
    private java.util.NavigableMap<Long, Elf64.Rela> relocations(Elf64.Section s) {
        return relocs.computeIfAbsent(s.index(), i -> {
            TreeMap<Long, Elf64.Rela> byOffset = new TreeMap<>();
            for (Elf64.Rela r : elf.relocationsOf(i)) byOffset.put(r.offset(), r);
            return java.util.Collections.unmodifiableNavigableMap(byOffset);
        });
    }
}
