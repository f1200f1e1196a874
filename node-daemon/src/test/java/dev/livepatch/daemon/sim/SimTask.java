package dev.livepatch.daemon.sim;

import java.util.List;

/** A task of the simulated kernel: its patch state (-1 none, 0 unpatched, 1 patched); a stuck one never switches. */
final class SimTask {
    final int pid;
    final String comm;
    final List<String> stack;
    boolean stuck;
    int state = -1;

    SimTask(int pid, String comm, List<String> stack) {
        this.pid = pid;
        this.comm = comm;
        this.stack = stack;
    }
}
