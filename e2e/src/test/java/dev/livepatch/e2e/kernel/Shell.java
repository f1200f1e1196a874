package dev.livepatch.e2e.kernel;

import java.util.List;
import java.util.stream.Collectors;

/** Quoting for the guest's shell scripts: every value goes in single quotes, never interpolated. */
public final class Shell {

  private Shell() {}

  /** {@code it's} becomes {@code 'it'\''s'}. */
  public static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }

  /** The words quoted and joined by spaces. */
  public static String words(List<String> words) {
    return words.stream().map(Shell::quote).collect(Collectors.joining(" "));
  }
}
