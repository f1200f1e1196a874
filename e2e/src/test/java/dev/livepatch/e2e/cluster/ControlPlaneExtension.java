package dev.livepatch.e2e.cluster;

import dev.livepatch.fixtures.controlplane.ControlPlane;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link ControlPlane} and {@link KubernetesClient} parameters to the shared control plane
 * and its admin client. The control plane starts on the first test that asks for it and stops when
 * the whole test run ends (an {@link AutoCloseable} in the root store, which JUnit closes when the run
 * ends; the shutdown hook of {@link ControlPlane#shared()} is the fallback).
 */
public final class ControlPlaneExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ControlPlaneExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == ControlPlane.class || type == KubernetesClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    ControlPlane controlPlane = context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(StopAtEndOfRun.class, k -> new StopAtEndOfRun(ControlPlane.shared()), StopAtEndOfRun.class)
        .controlPlane;
    return parameter.getParameter().getType() == ControlPlane.class ? controlPlane : controlPlane.client();
  }

  private static final class StopAtEndOfRun implements AutoCloseable {
    private final ControlPlane controlPlane;

    StopAtEndOfRun(ControlPlane controlPlane) {
      this.controlPlane = controlPlane;
    }

    @Override
    public void close() {
      ControlPlane.stopShared();
    }
  }
}
