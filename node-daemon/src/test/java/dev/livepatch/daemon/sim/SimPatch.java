package dev.livepatch.daemon.sim;

/** A patch of the simulated kernel: its module's name, whether it was built with atomic replace. */
final class SimPatch {
    final String name;
    final boolean replace;
    boolean enabled = true;
    boolean replaceable = true;

    SimPatch(String name, boolean replace) {
        this.name = name;
        this.replace = replace;
    }
}
