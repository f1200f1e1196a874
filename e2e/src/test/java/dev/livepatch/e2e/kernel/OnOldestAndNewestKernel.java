package dev.livepatch.e2e.kernel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A daemon test run on the oldest and the newest kernel of the matrix only
 * ({@link GuestKernel#oldestAndNewest()}: 6.1 and 7.2), named as {@link OnEachKernel} names them.
 * The daemon's code takes one path where a kernel lacks {@code replace} and {@code stack_order} (6.1)
 * and another where it has both (7.2); 6.12 has {@code replace} only, so its paths are those of 6.1
 * for the stack and of 7.2 for {@code replace}: the tests of what {@code replace} changes (the
 * capability probe, refusals, atomic replace) run on every kernel with {@link OnEachKernel}, the rest
 * here, which keeps a fresh machine's first {@code mvn -B verify} under 45 minutes
 * ({@code e2e/kernel/README.md}, "What runs where").
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "on {0}")
@MethodSource("dev.livepatch.e2e.kernel.GuestKernel#oldestAndNewest")
public @interface OnOldestAndNewestKernel {}
