package dev.livepatch.daemon.converge;

/** Which mode a converger works in: it names the holder of the host lock, and a restore pass marks the boot it acts on. */
public enum PassRole {
    DAEMON("node daemon"),
    ONE_SHOT("one-shot pass"),
    RESTORE("boot restore");

    private final String words;

    PassRole(String words) { this.words = words; }

    /** The host lock's holder: the role and this process. */
    public String holder() { return words + " (pid " + ProcessHandle.current().pid() + ")"; }
}
