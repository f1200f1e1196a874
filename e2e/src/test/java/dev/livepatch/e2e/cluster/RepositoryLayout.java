package dev.livepatch.e2e.cluster;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths inside the project's checkout, found from the working directory of the test run. */
final class RepositoryLayout {

  /** Overrides the search, for runs from outside the checkout. */
  static final String ROOT_PROPERTY = "livepatch.repo.root";
  private static final String MARKER = "e2e/controlplane/build.sh";

  private RepositoryLayout() {}

  /**
   * The checkout's root: the system property {@value #ROOT_PROPERTY} if set, else the nearest
   * directory at or above the working directory (Maven runs the e2e tests in {@code e2e/}) that
   * holds {@value #MARKER}.
   */
  static Path root() {
    String configured = System.getProperty(ROOT_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath();
    }
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(MARKER))) {
        return dir;
      }
    }
    throw new IllegalStateException("failed to find the livepatch-operator checkout: no " + MARKER + " at or above "
        + start + "; set -D" + ROOT_PROPERTY + "=<checkout>");
  }
}
