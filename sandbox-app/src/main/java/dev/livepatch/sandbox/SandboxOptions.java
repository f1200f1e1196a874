package dev.livepatch.sandbox;

import java.util.ArrayList;
import java.util.List;

/**
 * The sandbox's command line, parsed strictly: an unknown flag or a bad value is an error naming it.
 *
 * @param nodes simulated nodes (default 20)
 * @param stallRate probability that a node's first transition stalls for a while (default 0)
 * @param untilComplete exit 0 once the rollout and the upgrade complete, non-zero when they fail
 * @param staged a maintenance window that opens at the next whole minute and three steps with bake times
 */
public record SandboxOptions(int nodes, double stallRate, boolean untilComplete, boolean staged) {

  public static final String USAGE = """
      usage: ./sandbox [--nodes N] [--stall-rate R] [--until-complete] [--staged]

        --nodes N          simulated nodes (default 20, at most 500)
        --stall-rate R     probability (0..1) that a node's first kernel transition stalls for 8 s (default 0)
        --until-complete   exit 0 when the rollout and the upgrade complete, 1 when they fail; otherwise
                           keep running (kubectl works against it) until Ctrl-C
        --staged           roll out in a maintenance window that opens at the next whole minute, in steps:
                           1 node, bake 5s; 25%, bake 5s; then the rest
      """;

  public SandboxOptions {
    if (nodes < 1 || nodes > 500) {
      throw new IllegalArgumentException("--nodes must be between 1 and 500, got " + nodes);
    }
    if (stallRate < 0 || stallRate > 1) {
      throw new IllegalArgumentException("--stall-rate must be between 0 and 1, got " + stallRate);
    }
  }

  public SandboxOptions(int nodes, double stallRate, boolean untilComplete) {
    this(nodes, stallRate, untilComplete, false);
  }

  public static SandboxOptions defaults() {
    return new SandboxOptions(20, 0, false);
  }

  /** Parses {@code args}; throws IllegalArgumentException with the problem, or {@link Help} for --help. */
  public static SandboxOptions parse(String... args) {
    int nodes = 20;
    double stallRate = 0;
    boolean untilComplete = false;
    boolean staged = false;
    List<String> rest = new ArrayList<>();
    for (String a : args) {
      if (!a.isBlank()) {
        rest.addAll(a.contains("=") && a.startsWith("--") ? List.of(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1)) : List.of(a));
      }
    }
    for (int i = 0; i < rest.size(); i++) {
      String flag = rest.get(i);
      switch (flag) {
        case "--nodes" -> nodes = parseInt(flag, value(rest, ++i, flag));
        case "--stall-rate" -> stallRate = parseDouble(flag, value(rest, ++i, flag));
        case "--until-complete" -> untilComplete = true;
        case "--staged" -> staged = true;
        case "-h", "--help" -> throw new Help();
        default -> throw new IllegalArgumentException("unknown argument '" + flag + "'");
      }
    }
    return new SandboxOptions(nodes, stallRate, untilComplete, staged);
  }

  private static String value(List<String> args, int i, String flag) {
    if (i >= args.size()) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args.get(i);
  }

  private static int parseInt(String flag, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be an integer, got '" + v + "'");
    }
  }

  private static double parseDouble(String flag, String v) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a number, got '" + v + "'");
    }
  }

  /** Thrown for --help: print {@link #USAGE} and exit 0. */
  public static final class Help extends RuntimeException {
    Help() {
      super("help", null, false, false);
    }
  }
}
