package dev.livepatch.operator.rollout.steps;

import dev.livepatch.api.values.IntOrPercent;
import java.time.Duration;

/** One step of a staged rollout: {@code nodes} admitted in all by its end (earlier steps included), then {@code bake}. */
public record Step(IntOrPercent nodes, Duration bake) {}
