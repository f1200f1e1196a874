package dev.livepatch.daemon.kernel;

import java.util.List;

/** The recognised kernel log lines seen since the last call. */
@FunctionalInterface
public interface KernelLog {
    List<KmsgEvent> drain();

    KernelLog NONE = List::of;
}
