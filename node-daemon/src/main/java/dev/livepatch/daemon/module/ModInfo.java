package dev.livepatch.daemon.module;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code .modinfo} section of a kernel module (an ELF64 relocatable file): NUL-separated
 * {@code key=value} strings such as {@code livepatch=Y} and {@code vermagic=6.1.0-56-amd64 SMP ...};
 * and its build id, from the {@code .note.gnu.build-id} section when present.
 *
 * <p>Read with {@link Elf64}: a truncated or hostile file is refused, never half-read.
 */
public record ModInfo(Map<String, String> fields, String buildId) {
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
    public static ModInfo parse(byte[] bytes) {
        Elf64 elf = Elf64.parse(bytes);
        Map<String, String> fields = null;
        String buildId = null;
        for (Elf64.Section s : elf.sections()) {
            if (!".modinfo".equals(s.name()) && !BUILD_ID_SECTION.equals(s.name())) continue;
            byte[] content = elf.content(s);
            if (".modinfo".equals(s.name())) {
                fields = fields(content);
            } else {
                buildId = BuildId.ofNote(content, elf.order).orElse(null);
            }
        }
        if (fields != null) return new ModInfo(fields, buildId);
        throw new IllegalArgumentException("no .modinfo section (not a kernel module)");
    }

    private static Map<String, String> fields(byte[] elf) {
        Map<String, String> out = new LinkedHashMap<>();
        int to = elf.length;
        int i = 0;
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
}
