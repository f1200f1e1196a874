package dev.livepatch.daemon.kernel;

import java.nio.file.Path;

/** Loads and unloads kernel modules. Loading a livepatch module also starts its patching transition. */
public interface ModuleLoader {
    void insmod(Path moduleFile) throws KernelException;

    void rmmod(String moduleName) throws KernelException;
}
