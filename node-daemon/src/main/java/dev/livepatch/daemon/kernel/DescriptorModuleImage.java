package dev.livepatch.daemon.kernel;

import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link ModuleImage} that holds the read-only descriptor its bytes were read through, for
 * {@code finit_module(2)}. Its owner closes it; an image dropped unclosed has its descriptor closed
 * when it is collected, so a forgotten close costs a descriptor for a while, never for good.
 */
public final class DescriptorModuleImage extends ModuleImage {
    private static final Cleaner CLEANER = Cleaner.create();
    private final int descriptor;
    private final AtomicBoolean closed;
    private final Cleaner.Cleanable cleanable;

    DescriptorModuleImage(String name, Path file, byte[] bytes, int descriptor) {
        super(name, file, bytes);
        this.descriptor = descriptor;
        AtomicBoolean flag = new AtomicBoolean();
        this.closed = flag;
        this.cleanable = CLEANER.register(this, () -> {
            if (flag.compareAndSet(false, true)) NativeModuleFiles.closeQuietly(descriptor);
        });
    }

    /** The open descriptor; -1 once closed. */
    public int descriptor() { return closed.get() ? -1 : descriptor; }

    @Override
    public void close() { cleanable.clean(); }
}
