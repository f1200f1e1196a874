package dev.livepatch.e2e.kernel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real-kernel test run once per kernel of the matrix ({@link GuestKernel#each()}), its
 * {@link GuestKernel} the test method's parameter; each run named with the kernel's release (the
 * reports join it to the method's name: {@code stackedPatchesOfOneFunctionRunTheNewest(GuestKernel)
 * on 6.12.117+deb13-amd64 (trixie)}).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "on {0}")
@MethodSource("dev.livepatch.e2e.kernel.GuestKernel#each")
public @interface OnEachKernel {}
