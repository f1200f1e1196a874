package dev.livepatch.e2e.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * The Argo CD health check for LivePatch, as docs/gitops.md gives it, run by a real Lua
 * interpreter (LuaJ) against the sample statuses in {@code chart/argocd/}, laid out as Argo CD's
 * own {@code health_test.yaml}. Argo CD runs gopher-lua (Lua 5.1); the script uses nothing that
 * differs between 5.1 and LuaJ's 5.2.
 */
class ArgoCdHealthCheckTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern LUA_BLOCK = Pattern.compile("(?s)```lua\\n(.*?)```");
  private static final String SCRIPT = scriptFromDocs();

  record Case(String input, String status, String message) {
    @Override
    public String toString() {
      return input + " -> " + status;
    }
  }

  static Stream<Case> cases() {
    Map<String, Object> tests = yaml("chart/argocd/health_test.yaml");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> list = (List<Map<String, Object>>) tests.get("tests");
    return list.stream().map(t -> {
      @SuppressWarnings("unchecked")
      Map<String, String> health = (Map<String, String>) t.get("healthStatus");
      return new Case((String) t.get("inputPath"), health.get("status"), health.get("message"));
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void givesTheHealthArgoCdShows(Case c) {
    LuaTable hs = health(yaml("chart/argocd/" + c.input()));
    assertThat(hs.get("status").tojstring()).isEqualTo(c.status());
    assertThat(hs.get("message").tojstring()).isEqualTo(c.message());
  }

  @Test
  void everyPhaseOfTheApiHasACase() {
    List<String> phases = cases().map(c -> (Map<String, Object>) yaml("chart/argocd/" + c.input()).get("status"))
        .filter(s -> s != null).map(s -> (String) s.get("phase")).distinct().toList();
    assertThat(phases).containsAll(
        Stream.of(dev.livepatch.api.v1alpha1.LivePatchPhase.values()).map(Enum::name).toList());
  }

  @Test
  void usesOnlyWhatArgoCdsSandboxProvides() {
    // Argo CD's Lua VM opens only the base, table, string and math libraries.
    assertThat(SCRIPT).doesNotContain("require", "os.", "io.", "debug.", "load(", "dofile", "goto ");
    assertThat(SCRIPT).contains("return hs");
  }

  private static LuaTable health(Map<String, Object> object) {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", toLua(object));
    LuaValue result = globals.load(SCRIPT, "health.lua").call();
    assertThat(result.istable()).as("the script returns a table").isTrue();
    return (LuaTable) result;
  }

  /** A YAML/JSON value as Argo CD hands it to Lua: maps as tables, lists as 1-based arrays. */
  private static LuaValue toLua(Object value) {
    if (value == null) {
      return LuaValue.NIL;
    } else if (value instanceof Map<?, ?> map) {
      LuaTable t = new LuaTable();
      map.forEach((k, v) -> t.set(String.valueOf(k), toLua(v)));
      return t;
    } else if (value instanceof List<?> list) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < list.size(); i++) {
        t.set(i + 1, toLua(list.get(i)));
      }
      return t;
    } else if (value instanceof Number n) {
      return LuaValue.valueOf(n.doubleValue());
    } else if (value instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    return LuaValue.valueOf(String.valueOf(value));
  }

  private static String scriptFromDocs() {
    try {
      String doc = Files.readString(ChartUnderTest.repositoryRoot().resolve("docs/gitops.md"));
      Matcher m = LUA_BLOCK.matcher(doc);
      if (!m.find()) {
        throw new IllegalStateException("docs/gitops.md has no ```lua block");
      }
      String script = m.group(1);
      if (m.find()) {
        throw new IllegalStateException("docs/gitops.md has more than one ```lua block; the test reads the first");
      }
      return script;
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read docs/gitops.md: " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(String resource) {
    try (InputStream in = ArgoCdHealthCheckTest.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no test resource " + resource);
      }
      return YAML.readValue(in, Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read " + resource + ": " + e.getMessage(), e);
    }
  }
}
