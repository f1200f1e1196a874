package dev.livepatch.daemon.module;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The GNU build id in an ELF note ({@code namesz, descsz, type, "GNU\0", desc}, each part 4-aligned;
 * type 3 = NT_GNU_BUILD_ID): the same bytes whether read from a module file's
 * {@code .note.gnu.build-id} section or from {@code /sys/module/<m>/notes/.note.gnu.build-id} of the
 * loaded module.
 */
public final class BuildId {
    private static final int NT_GNU_BUILD_ID = 3;

    private BuildId() {}

    /** The build id (hex) in a note section's bytes; empty when there is none or the bytes are not a well-formed note. */
    public static Optional<String> ofNote(byte[] notes, ByteOrder order) {
        ByteBuffer b = ByteBuffer.wrap(notes).order(order);
        int at = 0;
        while (at + 12 <= notes.length) {
            long namesz = Integer.toUnsignedLong(b.getInt(at));
            long descsz = Integer.toUnsignedLong(b.getInt(at + 4));
            int type = b.getInt(at + 8);
            long nameAt = at + 12L;
            long descAt = nameAt + align(namesz);
            long next = descAt + align(descsz);
            if (next > notes.length || descsz == 0 && type == NT_GNU_BUILD_ID) return Optional.empty();
            String name = new String(notes, (int) nameAt, (int) Math.max(0, namesz - 1), StandardCharsets.US_ASCII);
            if (type == NT_GNU_BUILD_ID && "GNU".equals(name)) {
                return Optional.of(HexFormat.of().formatHex(notes, (int) descAt, (int) (descAt + descsz)));
            }
            at = (int) next;
        }
        return Optional.empty();
    }

    private static long align(long n) { return (n + 3) & ~3L; }
}
