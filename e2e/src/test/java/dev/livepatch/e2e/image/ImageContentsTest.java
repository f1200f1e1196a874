package dev.livepatch.e2e.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.livepatch.e2e.image.TarEntries.Entry;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What both images hold, read from their tarballs: a JRE on PATH, the module's class path, a trust store, no shell. */
class ImageContentsTest {
  private static final String JRE = "usr/lib/jvm/java-17-openjdk-amd64";

  @ParameterizedTest
  @EnumSource(BuiltImages.class)
  void carriesTheNameAndTheProjectVersion(BuiltImages image) {
    assertThat(image.archive().repoTags()).containsExactly(image.reference());
  }

  @ParameterizedTest
  @EnumSource(BuiltImages.class)
  void theEntrypointsJavaIsTheJava17JreOnPath(BuiltImages image) {
    ImageArchive archive = image.archive();
    List<String> entrypoint = strings(archive.runConfig().path("Entrypoint"));
    assertThat(entrypoint).first().isEqualTo("java");
    String java = onPath(archive, "java").orElseThrow(() -> new AssertionError("no java on the image's PATH"));
    Entry launcher = archive.resolve(java).orElseThrow();
    assertThat(launcher.isFile()).as(java + " is a file").isTrue();
    assertThat(launcher.mode() & 0111).as(java + " is executable").isNotZero();
    assertThat(new String(archive.content(JRE + "/release"), StandardCharsets.UTF_8)).contains("JAVA_VERSION=\"17.");
    // The JRE's own class data archive, which -Xshare:auto maps.
    assertThat(archive.resolve(JRE + "/lib/server/libjvm.so")).isPresent();
    assertThat(archive.resolve(JRE + "/lib/server/classes.jsa")).isPresent();
  }

  /**
   * Every class path element is in the image (a wildcard, Jib's packaged mode, names a directory of jars), the
   * module's main class among them: the daemon's as a jar (packaged mode: AppCDS takes jars only), the
   * operator's as Jib's class directory.
   */
  @ParameterizedTest
  @EnumSource(BuiltImages.class)
  void theClassPathFileNamesFilesInTheImage(BuiltImages image) throws Exception {
    ImageArchive archive = image.archive();
    List<String> entrypoint = strings(archive.runConfig().path("Entrypoint"));
    int cp = entrypoint.indexOf("-cp");
    assertThat(cp).as("-cp in %s", entrypoint).isPositive();
    assertThat(entrypoint.get(cp + 1)).isEqualTo("@/app/jib-classpath-file");
    String classPath = new String(archive.content("app/jib-classpath-file"), StandardCharsets.UTF_8).trim();
    List<String> elements = Arrays.asList(classPath.split(":"));
    assertThat(elements).anyMatch(e -> e.matches("/app/libs/livepatch-crds-.*\\.jar"));
    List<Entry> projectJars = archive.layers().stream().flatMap(List::stream)
        .filter(e -> e.path().startsWith(BuiltImages.PROJECT_JARS) && e.isFile()).toList();
    for (String element : elements) {
      if (element.endsWith("/*")) {
        assertThat(element).isEqualTo("/" + BuiltImages.PROJECT_JARS + "*");
        assertThat(projectJars).as("jars in %s", element).isNotEmpty();
      } else {
        assertThat(archive.resolve(element)).as("class path element %s", element).isPresent();
      }
    }
    String mainClass = entrypoint.get(entrypoint.size() - 1);
    assertThat(new String(archive.content("app/jib-main-class-file"), StandardCharsets.UTF_8).trim()).isEqualTo(mainClass);
    String classFile = mainClass.replace('.', '/') + ".class";
    if (image == BuiltImages.NODE_DAEMON) {
      assertThat(elements).first().isEqualTo("/app/classpath/*");
      assertThat(elements).doesNotContain("/app/classes", "/app/resources");
      assertThat(projectJars).singleElement().satisfies(jar -> assertThat(jarEntries(jar.content())).contains(classFile));
    } else {
      assertThat(elements).contains("/app/classes", "/app/resources");
      assertThat(archive.resolve("app/classes/" + classFile)).as(mainClass).isPresent();
    }
  }

  private static List<String> jarEntries(byte[] jar) throws java.io.IOException {
    List<String> names = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(jar))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName());
      }
    }
    return names;
  }

  /**
   * No shell: the entrypoint is exec form (no `sh -c`), and no package that brings one is in the base
   * (maintainer scripts never ran, so nothing needed dash).
   */
  @ParameterizedTest
  @EnumSource(BuiltImages.class)
  void hasNoShell(BuiltImages image) {
    ImageArchive archive = image.archive();
    for (String shell : List.of("bin/sh", "bin/bash", "bin/dash", "usr/bin/sh", "bin/busybox")) {
      assertThat(archive.resolve(shell)).as(shell).isEmpty();
    }
    assertThat(strings(archive.runConfig().path("Entrypoint"))).doesNotContain("sh", "/bin/sh", "-c");
  }

  @ParameterizedTest
  @EnumSource(BuiltImages.class)
  void theJresTrustStoreHoldsTheDebianCertificates(BuiltImages image) throws Exception {
    ImageArchive archive = image.archive();
    Entry linked = archive.resolve(JRE + "/lib/security/cacerts").orElseThrow(() -> new AssertionError("cacerts dangles"));
    assertThat(linked.path()).isEqualTo("etc/ssl/certs/java/cacerts");
    KeyStore store = KeyStore.getInstance("JKS");
    store.load(new ByteArrayInputStream(archive.content("etc/ssl/certs/java/cacerts")), "changeit".toCharArray());
    int certificates = 0;
    for (String alias : java.util.Collections.list(store.aliases())) {
      assertThat(store.isCertificateEntry(alias)).as(alias).isTrue();
      certificates++;
    }
    assertThat(certificates).isGreaterThan(100);
  }

  /** Every member of every layer at one fixed time (the base's SOURCE_DATE_EPOCH, Jib's epoch plus a second). */
  @ParameterizedTest
  @EnumSource(BuiltImages.class)
  void everyFileHasTheFixedTime(BuiltImages image) {
    List<String> others = new ArrayList<>();
    for (List<Entry> layer : image.archive().layers()) {
      layer.stream().filter(e -> e.mtime() != 1).forEach(e -> others.add(e.path() + " @" + e.mtime()));
    }
    assertThat(others).isEmpty();
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Where {@code command} is found on the image's PATH, as the runtime looks it up. */
  static Optional<String> onPath(ImageArchive archive, String command) {
    for (JsonNode env : archive.runConfig().path("Env")) {
      String e = env.asText();
      if (e.startsWith("PATH=")) {
        for (String dir : e.substring("PATH=".length()).split(":")) {
          String candidate = dir + "/" + command;
          if (archive.resolve(candidate).filter(Entry::isFile).isPresent()) {
            return Optional.of(candidate);
          }
        }
      }
    }
    return Optional.empty();
  }
}
