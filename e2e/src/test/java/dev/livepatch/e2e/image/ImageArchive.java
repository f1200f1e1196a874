package dev.livepatch.e2e.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.livepatch.e2e.image.TarEntries.Entry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * A {@code docker save} archive as Jib's buildTar and images/base/build.sh write it: manifest.json
 * (one image: its config and gzip layers), read whole, with the file system its layers make.
 */
final class ImageArchive {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_LINKS = 40;

  private final List<String> repoTags;
  private final JsonNode config;
  private final List<List<Entry>> layers;
  private final Map<String, Entry> files = new LinkedHashMap<>();

  private ImageArchive(List<String> repoTags, JsonNode config, List<List<Entry>> layers) {
    this.repoTags = repoTags;
    this.config = config;
    this.layers = layers;
    for (List<Entry> layer : layers) {
      for (Entry e : layer) {
        files.put(e.path(), e);
      }
    }
  }

  /** Reads {@code tar}; the contents of the files whose paths (as in the image, no leading /) {@code contentPaths} accepts are kept. */
  static ImageArchive read(Path tar, Predicate<String> contentPaths) throws IOException {
    if (!Files.isRegularFile(tar)) {
      throw new IllegalStateException("no image archive at " + tar + " (built by `mvn package` in its module)");
    }
    Map<String, byte[]> members = new HashMap<>();
    try (InputStream in = Files.newInputStream(tar)) {
      TarEntries.read(in, p -> true, e -> {
        if (e.isFile()) {
          members.put(e.path(), e.content());
        }
      });
    }
    JsonNode manifest = JSON.readTree(require(members, "manifest.json", tar));
    if (manifest.size() != 1) {
      throw new IllegalStateException(tar + " holds " + manifest.size() + " images, expected one");
    }
    JsonNode image = manifest.get(0);
    List<String> tags = new ArrayList<>();
    image.path("RepoTags").forEach(t -> tags.add(t.asText()));
    JsonNode config = JSON.readTree(require(members, image.get("Config").asText(), tar));
    List<List<Entry>> layers = new ArrayList<>();
    for (JsonNode layerName : image.get("Layers")) {
      List<Entry> entries = new ArrayList<>();
      try (InputStream layer = new GZIPInputStream(new ByteArrayInputStream(require(members, layerName.asText(), tar)))) {
        TarEntries.read(layer, contentPaths, entries::add);
      }
      layers.add(entries);
    }
    return new ImageArchive(tags, config, layers);
  }

  private static byte[] require(Map<String, byte[]> members, String name, Path tar) {
    byte[] data = members.get(TarEntries.normalize(name));
    if (data == null) {
      throw new IllegalStateException(tar + " has no member " + name);
    }
    return data;
  }

  List<String> repoTags() {
    return repoTags;
  }

  /** The image's run configuration: the config file's "config" object (User, Entrypoint, Cmd, Env). */
  JsonNode runConfig() {
    return config.path("config");
  }

  JsonNode config() {
    return config;
  }

  List<List<Entry>> layers() {
    return layers;
  }

  /** The entry at {@code path} after following symbolic links in every component (as the kernel would). */
  Optional<Entry> resolve(String path) {
    List<String> pending = new ArrayList<>(List.of(TarEntries.normalize(path).split("/")));
    String at = "";
    int links = 0;
    while (!pending.isEmpty()) {
      String next = pending.remove(0);
      if (next.isEmpty() || ".".equals(next)) {
        continue;
      }
      String candidate = "..".equals(next) ? parent(at) : at.isEmpty() ? next : at + "/" + next;
      Entry e = files.get(candidate);
      if (e == null) {
        return Optional.empty();
      }
      if (e.type() == '2') {
        if (++links > MAX_LINKS) {
          throw new IllegalStateException("too many symbolic links resolving " + path);
        }
        String target = e.linkTarget();
        pending.addAll(0, List.of(TarEntries.normalize(target).split("/")));
        at = target.startsWith("/") ? "" : parent(candidate);
      } else {
        at = candidate;
      }
    }
    return Optional.ofNullable(files.get(at));
  }

  /** The content of the regular file at {@code path} (symbolic links followed); it must be one read with its content. */
  byte[] content(String path) {
    Entry e = resolve(path).orElseThrow(() -> new IllegalStateException("no " + path + " in the image"));
    if (e.content() == null) {
      throw new IllegalStateException(path + " (" + e.path() + ") was not read with its content");
    }
    return e.content();
  }

  private static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }
}
