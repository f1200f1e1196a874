package dev.livepatch.daemon.kernel;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One function a patch replaces, as the kernel names it under the patch's directory:
 * {@code /sys/kernel/livepatch/<patch>/<object>/<function>,<sympos>}. The object is {@code vmlinux}
 * or the patched module's name; sympos is the function's occurrence in that object's kallsyms, shown
 * as 1 where the patch left it 0 (unique name), so the same function always reads the same.
 */
public record PatchedFunction(String object, String function, long sympos) {
    public static final String VMLINUX = "vmlinux";
    private static final Pattern DIR = Pattern.compile("^(.+),(\\d{1,19})$");

    public PatchedFunction {
        if (object == null || object.isEmpty() || function == null || function.isEmpty()) {
            throw new IllegalArgumentException("a patched function needs an object and a name");
        }
        if (sympos < 0) throw new IllegalArgumentException("negative sympos " + sympos + " for " + function);
        sympos = sympos == 0 ? 1 : sympos;
    }

    /** The function directory's name ({@code cmdline_proc_show,1}) under object directory {@code object}; empty when it is not one. */
    public static Optional<PatchedFunction> ofSysfs(String object, String dirName) {
        Matcher m = DIR.matcher(dirName);
        if (!m.matches()) return Optional.empty();
        try {
            return Optional.of(new PatchedFunction(object, m.group(1), Long.parseLong(m.group(2))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** {@code vmlinux/cmdline_proc_show,1}: the path under the patch directory. */
    @Override
    public String toString() { return object + "/" + function + "," + sympos; }
}
