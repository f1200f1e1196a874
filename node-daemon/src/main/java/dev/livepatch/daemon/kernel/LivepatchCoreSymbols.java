package dev.livepatch.daemon.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which of the livepatch core's attribute handlers ({@code replace_show}, 6.11+;
 * {@code stack_order_show}, 6.14+) are among vmlinux's text symbols in /proc/kallsyms: what tells
 * the optional attributes while no patch is loaded. Read once per boot id; without kallsyms none.
 */
final class LivepatchCoreSymbols {
    static final String REPLACE = "replace_show";
    static final String STACK_ORDER = "stack_order_show";

    private final Path kallsyms;
    private volatile Map.Entry<String, Set<String>> byBoot; // boot id -> the handlers kallsyms had then

    LivepatchCoreSymbols(Path kallsyms) { this.kallsyms = kallsyms; }

    Set<String> present(String bootId) {
        Map.Entry<String, Set<String>> known = byBoot;
        if (known == null || !known.getKey().equals(bootId)) {
            byBoot = known = Map.entry(bootId, read());
        }
        return known.getValue();
    }

    private Set<String> read() {
        Set<String> found = new HashSet<>();
        try { // one string search per name (a one-shot daemon runs interpreted): "<address> t replace_show\n"
            String all = new String(Files.readAllBytes(kallsyms), StandardCharsets.ISO_8859_1);
            for (String name : List.of(REPLACE, STACK_ORDER)) {
                for (int i = all.indexOf(" " + name + "\n"); i >= 2 && !found.contains(name); i = all.indexOf(" " + name + "\n", i + 1)) {
                    if ((all.charAt(i - 1) == 't' || all.charAt(i - 1) == 'T') && all.charAt(i - 2) == ' ') found.add(name);
                }
            }
        } catch (IOException e) {
            return Set.of(); // no kallsyms: nothing to tell by
        }
        return Set.copyOf(found);
    }
}
