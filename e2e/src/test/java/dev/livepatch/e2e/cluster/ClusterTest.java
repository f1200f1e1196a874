package dev.livepatch.e2e.cluster;

import dev.livepatch.fixtures.controlplane.ControlPlane;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that runs against the real control plane: tags it {@code cluster} (the tier
 * the default build may exclude) and injects the JVM's shared {@link ControlPlane} or its admin
 * {@link io.fabric8.kubernetes.client.KubernetesClient} into constructors, lifecycle methods and
 * test methods that declare them as parameters.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("cluster")
@ExtendWith(ControlPlaneExtension.class)
public @interface ClusterTest {}
