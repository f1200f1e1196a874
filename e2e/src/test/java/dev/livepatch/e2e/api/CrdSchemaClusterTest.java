package dev.livepatch.e2e.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.livepatch.e2e.cluster.ClusterTest;
import dev.livepatch.fixtures.controlplane.ControlPlane;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed CRDs, installed into a real kube-apiserver, reject every bad object with its own
 * message (OpenAPI patterns, bounds, required fields, enums and the CEL rules), accept the
 * examples, and fill in the documented defaults. Objects are sent as untyped maps, so nothing in
 * the Java types stands between the bad value and the API server.
 */
@ClusterTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrdSchemaClusterTest {
    private static final String SHA = "9f2c6e1b7a3d5c8e0f4a2b6d8c1e3f5a7b9d0c2e4f6a8b1c3d5e7f9a0b2c4d6e";
    private static final String VALID = """
            apiVersion: livepatch.dev/v1alpha1
            kind: LivePatch
            metadata: {name: NAME}
            spec:
              modules:
                - name: lp_do_exit_fix
                  kernelRelease: 6.1.0-56-amd64
                  replaceable: false
                  source: {configMap: {namespace: livepatch-system, name: lp-fix, key: fix.ko}, sha256: SHA}
                - name: lp_cumulative_r13
                  kernelRelease: 6.1.0-56-amd64
                  replaceable: true
                  source: {url: "https://patches.example.com/r13.ko", sha256: SHA}
            """.replace("SHA", SHA);

    private KubernetesClient client;
    private int serial;
    private final List<String> created = new ArrayList<>();

    @BeforeAll
    void installCrds(ControlPlane controlPlane) {
        controlPlane.installProjectCrds();
        client = controlPlane.client();
    }

    /**
     * The objects this class creates are valid LivePatches that target every Linux node on 6.1.0-56:
     * left behind, they would claim the nodes of later tests on the same control plane (the oldest
     * LivePatch keeps a node).
     */
    @AfterAll
    void deleteWhatWasCreated() {
        created.forEach(name -> livePatches().withName(name).delete());
    }

    @Test
    void acceptsAValidObjectAndFillsInTheDefaults() {
        GenericKubernetesResource created = create(valid(m -> {}));

        Map<String, Object> rollout = map(spec(created).get("rollout"));
        assertThat(rollout).containsEntry("maxConcurrent", 1).containsEntry("interval", "30s")
                .containsEntry("nodeCooldown", "60s").containsEntry("stallTimeout", "120s")
                .containsEntry("onStall", "Revert").containsEntry("maxFailedNodes", 0)
                .containsEntry("canaryNodes", 0).containsEntry("paused", false).containsEntry("progressDeadline", "10m");
        assertThat(spec(created)).containsEntry("removalPolicy", "Unload");
        assertThat(map(modules(created).get(1))).containsEntry("atomicReplace", false);
    }

    @Test
    void acceptsEveryExample() throws IOException {
        List<Path> examples;
        try (Stream<Path> files = Files.list(Path.of("..", "crds", "examples"))) {
            examples = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(examples).hasSizeGreaterThanOrEqualTo(3);
        for (Path example : examples) {
            GenericKubernetesResource r = Serialization.unmarshal(Files.readString(example), GenericKubernetesResource.class);
            assertThat(create(r).getMetadata().getUid()).as(example.toString()).isNotBlank();
        }
    }

    @Test
    void acceptsAnAllowedFunctionOverlapOnAReplaceableModule() {
        GenericKubernetesResource created = create(valid(s -> module(s, 1).put("allowFunctionOverlap", List.of("cmdline_proc_show", "do_exit.isra.0"))));
        assertThat(map(list(spec(created).get("modules")).get(1))).containsEntry("allowFunctionOverlap", List.of("cmdline_proc_show", "do_exit.isra.0"));
    }

    @Test
    void acceptsWindowsStepsAndAnEmergency() {
        GenericKubernetesResource created = create(valid(s -> {
            window(s);
            step(s);
            rollout(s).put("emergency", true);
            rollout(s).put("emergencyMaxConcurrent", "50%");
        }));
        assertThat(map(spec(created).get("rollout"))).containsEntry("emergency", true).containsKeys("windows", "steps");
    }

    @Test
    void acceptsPercentagesAndGoDurations() {
        GenericKubernetesResource created = create(valid(s -> {
            Map<String, Object> rollout = map(s.computeIfAbsent("rollout", k -> new java.util.HashMap<>()));
            rollout.put("maxConcurrent", "10%");
            rollout.put("maxFailedNodes", "100%");
            rollout.put("interval", "1m30s");
            rollout.put("stallTimeout", "500ms1s");
        }));
        assertThat(map(spec(created).get("rollout"))).containsEntry("maxConcurrent", "10%");
    }

    static Stream<Arguments> badObjects() {
        return Stream.of(
                bad("name with a dash", s -> module(s, 0).put("name", "lp-do-exit"), "should match '^[a-z0-9_]{1,55}$'"),
                bad("name too long", s -> module(s, 0).put("name", "a".repeat(56)), "spec.modules[0].name"),
                bad("uppercase sha256", s -> source(s, 0).put("sha256", SHA.toUpperCase()), "should match '^[a-f0-9]{64}$'"),
                bad("missing sha256", s -> source(s, 0).remove("sha256"), "spec.modules[0].source.sha256: Required value"),
                bad("missing replaceable", s -> module(s, 0).remove("replaceable"), "spec.modules[0].replaceable: Required value"),
                bad("missing kernelRelease", s -> module(s, 0).remove("kernelRelease"), "spec.modules[0].kernelRelease: Required value"),
                bad("no modules", s -> s.put("modules", List.of()), "should have at least 1 items"),
                bad("pinned and atomicReplace", s -> module(s, 0).put("atomicReplace", true), "a pinned module (replaceable: false) cannot be atomicReplace"),
                bad("two sources", s -> source(s, 0).put("hostPath", "/opt/fix.ko"), "set exactly one of source.url, source.configMap, source.hostPath"),
                bad("no source kind", s -> source(s, 0).remove("configMap"), "set exactly one of source.url, source.configMap, source.hostPath"),
                bad("http url without insecure", s -> source(s, 1).put("url", "http://patches.example.com/r13.ko"), "source.url must use https"),
                bad("insecure on a configMap", s -> source(s, 0).put("insecure", true), "source.insecure applies only to source.url"),
                bad("hostPath with ..", s -> { source(s, 0).remove("configMap"); source(s, 0).put("hostPath", "/var/../etc/x.ko"); }, "must not contain '.' or '..' segments"),
                bad("hostPath not a .ko", s -> { source(s, 0).remove("configMap"); source(s, 0).put("hostPath", "/etc/shadow"); }, "spec.modules[0].source.hostPath"),
                bad("duplicate module name", s -> module(s, 1).put("name", "lp_do_exit_fix"), "module names must be unique per kernelRelease"),
                bad("two atomicReplace modules", s -> { module(s, 1).put("atomicReplace", true); addModule(s, "lp_other", true, true); }, "an atomicReplace module supersedes every replaceable module"),
                bad("atomicReplace beside a replaceable", s -> { module(s, 1).put("atomicReplace", true); addModule(s, "lp_other", true, false); }, "an atomicReplace module supersedes every replaceable module"),
                bad("allowFunctionOverlap on a pinned module", s -> module(s, 0).put("allowFunctionOverlap", List.of("cmdline_proc_show")),
                        "allowFunctionOverlap is for replaceable modules"),
                bad("allowFunctionOverlap not a function name", s -> module(s, 1).put("allowFunctionOverlap", List.of("vmlinux/cmdline_proc_show,1")),
                        "should match '^[A-Za-z_][A-Za-z0-9_.]{0,127}$'"),
                bad("maxConcurrent 0", s -> rollout(s).put("maxConcurrent", 0), "maxConcurrent must be an integer >= 1 or a percentage from 1% to 100%"),
                bad("maxConcurrent 150%", s -> rollout(s).put("maxConcurrent", "150%"), "maxConcurrent must be an integer >= 1 or a percentage from 1% to 100%"),
                bad("maxFailedNodes not a number", s -> rollout(s).put("maxFailedNodes", "two"), "maxFailedNodes must be an integer >= 0 or a percentage"),
                bad("interval in words", s -> rollout(s).put("interval", "30 seconds"), "spec.rollout.interval"),
                bad("interval over 24h", s -> rollout(s).put("interval", "25h"), "interval must be at most 24h"),
                bad("stallTimeout 0s", s -> rollout(s).put("stallTimeout", "0s"), "stallTimeout must be between 1s and 24h"),
                bad("progressDeadline 0s", s -> rollout(s).put("progressDeadline", "0s"), "progressDeadline must be between 1s and 24h"),
                bad("progressDeadline 25h", s -> rollout(s).put("progressDeadline", "25h"), "progressDeadline must be between 1s and 24h"),
                bad("progressDeadline in words", s -> rollout(s).put("progressDeadline", "ten minutes"), "spec.rollout.progressDeadline"),
                bad("retryFailed over 253 characters", s -> rollout(s).put("retryFailed", "x".repeat(254)), "spec.rollout.retryFailed"),
                bad("onStall unknown", s -> rollout(s).put("onStall", "Explode"), "supported values: \"Revert\", \"Wait\""),
                bad("canaryNodes negative", s -> rollout(s).put("canaryNodes", -1), "spec.rollout.canaryNodes"),
                bad("window on an unknown day", s -> window(s).put("days", List.of("Monday")), "spec.rollout.windows[0].days[0]: Unsupported value: \"Monday\""),
                bad("window start not HH:MM", s -> window(s).put("start", "2am"), "spec.rollout.windows[0].start"),
                bad("window end 24:00", s -> window(s).put("end", "24:00"), "spec.rollout.windows[0].end"),
                bad("window start equals end", s -> window(s).put("end", "02:00"), "a maintenance window's start and end must differ"),
                bad("window without days", s -> window(s).remove("days"), "spec.rollout.windows[0].days: Required value"),
                bad("step without nodes", s -> step(s).remove("nodes"), "spec.rollout.steps[0].nodes: Required value"),
                bad("step bake over 24h", s -> step(s).put("bake", "25h"), "a step's bake must be at most 24h"),
                bad("step bake in words", s -> step(s).put("bake", "ten minutes"), "spec.rollout.steps[0].bake"),
                bad("steps beside canaryNodes", s -> { step(s); rollout(s).put("canaryNodes", 2); }, "set canaryNodes or steps, not both"),
                bad("emergency slower than the rollout", s -> { rollout(s).put("maxConcurrent", 5); rollout(s).put("emergency", true);
                    rollout(s).put("emergencyMaxConcurrent", 2); }, "emergencyMaxConcurrent must be at least maxConcurrent"),
                bad("emergencyMaxConcurrent 0", s -> rollout(s).put("emergencyMaxConcurrent", 0), "emergencyMaxConcurrent must be an integer >= 1"),
                bad("healthGates without bake", s -> s.put("healthGates", Map.of("onUnhealthy", "Pause")), "spec.healthGates.bake: Required value"),
                bad("healthGates bake in words", s -> s.put("healthGates", Map.of("bake", "ten minutes")), "spec.healthGates.bake"),
                bad("healthGates bake 0s", s -> s.put("healthGates", Map.of("bake", "0s")), "healthGates.bake must be between 1s and 24h"),
                bad("healthGates bake 25h", s -> s.put("healthGates", Map.of("bake", "25h")), "healthGates.bake must be between 1s and 24h"),
                bad("onUnhealthy unknown", s -> s.put("healthGates", Map.of("bake", "10m", "onUnhealthy", "Ignore")), "supported values: \"Pause\", \"Revert\""),
                bad("preflight not a boolean", s -> s.put("preflight", "yes"), "spec.preflight"),
                bad("removalPolicy unknown", s -> s.put("removalPolicy", "Forget"), "supported values: \"Retain\", \"Unload\""));
    }

    @ParameterizedTest(name = "rejects {0}")
    @MethodSource("badObjects")
    void rejectsABadObjectWithItsMessage(Consumer<Map<String, Object>> breakIt, String message) {
        GenericKubernetesResource bad = valid(breakIt);

        assertThatThrownBy(() -> livePatches().resource(bad).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
                .hasMessageContaining(message);
        assertThat(livePatches().withName(bad.getMetadata().getName()).get()).as("nothing was stored").isNull();
    }

    @Test
    void nodeLivePatchRejectsAModuleWithABadName() {
        GenericKubernetesResource nlp = Serialization.unmarshal("""
                apiVersion: livepatch.dev/v1alpha1
                kind: NodeLivePatch
                metadata: {name: node-bad-name}
                spec:
                  modules:
                    - {name: Bad-Name, livePatch: x, kernelRelease: 6.1.0-56-amd64, replaceable: true,
                       source: {hostPath: /opt/x.ko, sha256: SHA}}
                """.replace("SHA", SHA), GenericKubernetesResource.class);

        assertThatThrownBy(() -> client.genericKubernetesResources("livepatch.dev/v1alpha1", "NodeLivePatch").resource(nlp).create())
                .hasMessageContaining("spec.modules[0].name");
    }

    private GenericKubernetesResource create(GenericKubernetesResource r) {
        GenericKubernetesResource made = livePatches().resource(r).create();
        created.add(made.getMetadata().getName());
        return made;
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> livePatches() {
        return client.genericKubernetesResources("livepatch.dev/v1alpha1", "LivePatch");
    }

    private GenericKubernetesResource valid(Consumer<Map<String, Object>> change) {
        GenericKubernetesResource r = Serialization.unmarshal(VALID.replace("NAME", "schema-" + (++serial)), GenericKubernetesResource.class);
        change.accept(spec(r));
        return r;
    }

    private static Arguments bad(String name, Consumer<Map<String, Object>> breakIt, String message) {
        return Arguments.of(Named.of(name, breakIt), message);
    }

    private static Map<String, Object> spec(GenericKubernetesResource r) {
        return map(r.getAdditionalProperties().get("spec"));
    }

    private static List<Object> modules(GenericKubernetesResource r) {
        return list(spec(r).get("modules"));
    }

    private static Map<String, Object> module(Map<String, Object> spec, int i) {
        return map(list(spec.get("modules")).get(i));
    }

    private static Map<String, Object> source(Map<String, Object> spec, int i) {
        return map(module(spec, i).get("source"));
    }

    private static Map<String, Object> rollout(Map<String, Object> spec) {
        return map(spec.computeIfAbsent("rollout", k -> new java.util.HashMap<String, Object>()));
    }

    /** The first of spec.rollout.windows, a valid one until changed. */
    private static Map<String, Object> window(Map<String, Object> spec) {
        return firstOf(rollout(spec), "windows", Map.of("days", List.of("Mon"), "start", "02:00", "end", "04:00", "timeZone", "Europe/Berlin"));
    }

    /** The first of spec.rollout.steps, a valid one until changed. */
    private static Map<String, Object> step(Map<String, Object> spec) {
        return firstOf(rollout(spec), "steps", Map.of("nodes", 1, "bake", "10m"));
    }

    private static Map<String, Object> firstOf(Map<String, Object> rollout, String key, Map<String, Object> valid) {
        List<Object> items = list(rollout.computeIfAbsent(key, k -> new ArrayList<>(List.of(new java.util.HashMap<>(valid)))));
        return map(items.get(0));
    }

    private static void addModule(Map<String, Object> spec, String name, boolean replaceable, boolean atomicReplace) {
        List<Object> modules = new ArrayList<>(list(spec.get("modules")));
        modules.add(new java.util.HashMap<>(Map.of("name", name, "kernelRelease", "6.1.0-56-amd64", "replaceable", replaceable,
                "atomicReplace", atomicReplace, "source", Map.of("hostPath", "/opt/" + name + ".ko", "sha256", SHA))));
        spec.put("modules", modules);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }
}
