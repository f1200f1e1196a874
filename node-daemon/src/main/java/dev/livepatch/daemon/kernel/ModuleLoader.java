package dev.livepatch.daemon.kernel;

/** Loads and unloads kernel modules. Loading a livepatch module also starts its patching transition. */
public interface ModuleLoader {
    /** Loads exactly the image's bytes. */
    void load(ModuleImage image) throws KernelException;

    void unload(String moduleName) throws KernelException;
}
