package dev.livepatch.e2e.image;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.livepatch.fixtures.controlplane.RepositoryLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The images this build made at package (target/jib-image.tar of node-daemon and operator), each read once. */
enum BuiltImages {
  NODE_DAEMON("node-daemon", "livepatch-node-daemon"),
  OPERATOR("operator", "livepatch-operator");

  /** Files whose contents the tests read: these, and the project's jar (Jib's packaged mode puts it in app/classpath/). */
  static final Set<String> READ = Set.of("etc/passwd", "etc/group", "etc/ssl/certs/java/cacerts", "app/jib-classpath-file",
      "app/jib-main-class-file", "usr/lib/jvm/java-17-openjdk-amd64/release");
  static final String PROJECT_JARS = "app/classpath/";

  private static final Map<Path, ImageArchive> ARCHIVES = new ConcurrentHashMap<>();

  final String module;
  final String name;

  BuiltImages(String module, String name) {
    this.module = module;
    this.name = name;
  }

  /** The reference the tarball carries: the image's name and the project's version. */
  String reference() {
    return name + ":" + projectVersion();
  }

  Path archivePath() {
    return RepositoryLayout.root().resolve(module).resolve("target/jib-image.tar");
  }

  /** The base the image was built on (images/base/build.sh's link). */
  Path basePath() {
    return RepositoryLayout.root().resolve(module).resolve("target/base-image.tar");
  }

  ImageArchive archive() {
    assumeImagesBuilt();
    return load(archivePath());
  }

  ImageArchive base() {
    assumeBasesBuilt();
    return load(basePath());
  }

  static ImageArchive load(Path tar) {
    return ARCHIVES.computeIfAbsent(tar, p -> {
      try {
        return ImageArchive.read(p, path -> READ.contains(path) || path.startsWith(PROJECT_JARS) && path.endsWith(".jar"));
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + p, e);
      }
    });
  }

  static String projectVersion() {
    String version = System.getProperty("livepatch.project.version");
    if (version == null || version.isBlank()) {
      throw new IllegalStateException("livepatch.project.version is not set (Surefire sets it from the POM)");
    }
    return version;
  }

  /** Skipped (reported so), not passed, when the build was told not to make images. */
  static void assumeImagesBuilt() {
    assumeFalse(Boolean.getBoolean("livepatch.images.skip"), "images not built (-Dlivepatch.images.skip=true)");
  }

  static void assumeBasesBuilt() {
    assumeImagesBuilt();
    assumeFalse(Boolean.getBoolean("livepatch.images.base.skip"), "bases not built (-Dlivepatch.images.base.skip=true)");
  }
}
