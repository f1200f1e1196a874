package dev.livepatch.daemon.sim;

/** A patch of the simulated kernel: its module's name, whether it was built with atomic replace, its functions ({@code object/function,sympos}). */
final class SimPatch {
    final String name;
    final boolean replace;
    final java.util.List<String> functions;
    boolean enabled = true;
    boolean replaceable = true;

    SimPatch(String name, boolean replace, java.util.List<String> functions) {
        this.name = name;
        this.replace = replace;
        this.functions = java.util.List.copyOf(functions);
    }
}
