package dev.livepatch.daemon.kernel;

import com.sun.jna.LastErrorException;

/**
 * Loads a module with {@code finit_module(fd, "", 0)} on the descriptor its image was read and
 * checked through ({@link NativeModuleFiles}), and unloads one with
 * {@code delete_module(name, O_NONBLOCK)}: the two system calls kmod's insmod and rmmod make, with
 * no process spawned and no path opened again between the check and the load. The kernel's errno
 * comes back as an {@link Errno}, its text as kmod prints it ("File exists").
 */
public final class FinitModuleLoader implements ModuleLoader {
    private final long finitModule;
    private final long deleteModule;

    public FinitModuleLoader() {
        long[] numbers = Libc.moduleSyscalls();
        this.finitModule = numbers == null ? -1 : numbers[0];
        this.deleteModule = numbers == null ? -1 : numbers[1];
    }

    @Override
    public void load(ModuleImage image) throws KernelException {
        String what = "failed to load module " + image.name() + " from " + image.file();
        if (!(image instanceof DescriptorModuleImage d) || d.descriptor() < 0) {
            throw new KernelException(Errno.EINVAL, what + ": the image holds no open descriptor of the checked file; nothing loaded");
        }
        call(what, finitModule, (long) d.descriptor(), "", 0L);
    }

    @Override
    public void unload(String moduleName) throws KernelException {
        String what = "failed to unload module " + moduleName;
        if (!moduleName.matches("[A-Za-z0-9_-]+")) throw new KernelException(Errno.EINVAL, what + ": not a module name; nothing unloaded");
        call(what, deleteModule, moduleName, (long) Libc.O_NONBLOCK);
    }

    private static void call(String what, long number, Object... args) throws KernelException {
        if (number < 0) throw new KernelException(Errno.ENOSYS, what + ": no module system calls known for this architecture");
        try {
            Libc.Holder.C.syscall(number, args);
        } catch (LastErrorException e) {
            Errno errno = Errno.fromNumber(e.getErrorCode());
            String text = errno == Errno.OTHER ? "errno " + e.getErrorCode() : errno.text();
            throw new KernelException(errno, what + ": " + text, e);
        } catch (LinkageError e) {
            throw new KernelException(Errno.OTHER, what + ": the C library could not be reached through JNA (" + e.getMessage() + ")", e);
        }
    }
}
