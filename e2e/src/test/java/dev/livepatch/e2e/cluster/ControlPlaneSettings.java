package dev.livepatch.e2e.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a {@link ControlPlane} starts: an immutable snapshot.
 *
 * @param controllers kube-controller-manager's {@code --controllers}; empty: no controller manager.
 *     Default {@code garbagecollector} (ownerReference cleanup) and {@code namespace} (deleting a
 *     namespace empties and removes it instead of leaving it Terminating).
 * @param apiServerFlags extra kube-apiserver flags, each {@code --name=value}, e.g.
 *     {@code --feature-gates=...}. kube-api-test appends its own after these (certificates, ports,
 *     {@code --authorization-mode=RBAC}, ServiceAccount admission disabled), and the last wins.
 * @param startupTimeout the longest wait for each of kube-apiserver (/readyz and the default
 *     namespace) and kube-controller-manager (/healthz); default 180 s, for a loaded two-core box.
 */
public record ControlPlaneSettings(List<String> controllers, List<String> apiServerFlags, Duration startupTimeout) {

  public ControlPlaneSettings {
    controllers = List.copyOf(controllers);
    apiServerFlags = List.copyOf(apiServerFlags);
    for (String flag : apiServerFlags) {
      if (!flag.startsWith("--")) {
        throw new IllegalArgumentException("kube-apiserver flag must look like --name=value, got '" + flag + "'");
      }
    }
  }

  public static ControlPlaneSettings defaults() {
    return new ControlPlaneSettings(List.of("garbagecollector", "namespace"), List.of(), Duration.ofSeconds(180));
  }

  public ControlPlaneSettings withControllers(String... names) {
    return new ControlPlaneSettings(List.of(names), apiServerFlags, startupTimeout);
  }

  public ControlPlaneSettings withApiServerFlag(String flag) {
    List<String> flags = new ArrayList<>(apiServerFlags);
    flags.add(flag);
    return new ControlPlaneSettings(controllers, flags, startupTimeout);
  }

  public ControlPlaneSettings withStartupTimeout(Duration timeout) {
    return new ControlPlaneSettings(controllers, apiServerFlags, timeout);
  }
}
