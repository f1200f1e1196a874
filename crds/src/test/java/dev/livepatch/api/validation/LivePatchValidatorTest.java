package dev.livepatch.api.validation;

import static dev.livepatch.api.fixture.PatchModuleBuilder.pinned;
import static dev.livepatch.api.fixture.PatchModuleBuilder.replaceable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.ConfigMapKey;
import dev.livepatch.api.v1alpha1.HealthGates;
import dev.livepatch.api.v1alpha1.OnUnhealthy;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.PatchModule;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LivePatchValidatorTest {
    static final String SHA = "9f2c6e1b7a3d5c8e0f4a2b6d8c1e3f5a7b9d0c2e4f6a8b1c3d5e7f9a0b2c4d6e";
    static final String KERNEL = "6.1.0-56-amd64";

    /** A valid spec: one pinned module from a ConfigMap, one replaceable from a URL. */
    static LivePatchSpec validSpec() {
        LivePatchSpec spec = new LivePatchSpec();
        spec.setModules(new ArrayList<>(List.of(
                pinned("lp_do_exit_fix").kernel(KERNEL).from(ModuleSource.configMap("livepatch-system", "lp-do-exit-fix", "module.ko", SHA)).build(),
                replaceable("lp_cumulative_r13").kernel(KERNEL).from(ModuleSource.url("https://patches.example.com/r13.ko", SHA)).build())));
        return spec;
    }

    @Test
    void aValidSpecHasNoViolations() {
        assertThat(LivePatchValidator.validate(validSpec())).isEmpty();
    }

    @Test
    void preflightAndHealthGatesWithABakeAreValid() {
        LivePatchSpec spec = validSpec();
        spec.setPreflight(true);
        spec.setHealthGates(new HealthGates("10m", OnUnhealthy.Pause));
        assertThat(LivePatchValidator.validate(spec)).isEmpty();
    }

    @Test
    void aReplaceableModuleMayAcceptOverlapsByFunctionName() {
        LivePatchSpec spec = validSpec();
        spec.getModules().get(1).setAllowFunctionOverlap(java.util.List.of("do_exit", "cmdline_proc_show.isra.0"));
        assertThat(LivePatchValidator.validate(spec)).isEmpty();
    }

    @Test
    void aValidAtomicReplaceSpecBesidePinnedModulesHasNoViolations() {
        LivePatchSpec spec = validSpec();
        spec.getModules().get(1).setAtomicReplace(true);
        assertThat(LivePatchValidator.validate(spec)).isEmpty();
    }

    @Test
    void reportsEveryViolationNotJustTheFirst() {
        LivePatchSpec spec = validSpec();
        spec.getModules().get(0).setName("Bad-Name");
        spec.getModules().get(1).getSource().setSha256("xyz");
        spec.getRollout().setInterval("soon");

        assertThat(LivePatchValidator.validate(spec)).extracting(Violation::field)
                .containsExactlyInAnyOrder("spec.modules[0].name", "spec.modules[1].source.sha256", "spec.rollout.interval");
    }

    @Test
    void theSameNameForTwoKernelReleasesIsAllowed() {
        LivePatchSpec spec = validSpec();
        PatchModule other = pinned("lp_do_exit_fix").kernel("6.1.0-57-amd64").from(ModuleSource.hostPath("/opt/lp/fix.ko", SHA)).build();
        spec.getModules().add(other);
        assertThat(LivePatchValidator.validate(spec)).isEmpty();
    }

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                bad("no modules", s -> s.getModules().clear(), "spec.modules", "at least one module"),
                bad("65 modules", s -> {
                    for (int i = 0; i < 63; i++) {
                        s.getModules().add(pinned("lp_" + i).kernel(KERNEL).from(ModuleSource.hostPath("/m/" + i + ".ko", SHA)).build());
                    }
                }, "spec.modules", "at most 64"),
                bad("name with a dash", s -> s.getModules().get(0).setName("lp-do-exit"), "spec.modules[0].name", "'-' written as '_'"),
                bad("name with capitals", s -> s.getModules().get(0).setName("LpFix"), "spec.modules[0].name", "a-z, 0-9 and '_'"),
                bad("name of 56 characters", s -> s.getModules().get(0).setName("a".repeat(56)), "spec.modules[0].name", "1-55"),
                bad("missing name", s -> s.getModules().get(0).setName(null), "spec.modules[0].name", "is required"),
                bad("duplicate name for one kernel", s -> s.getModules().get(1).setName("lp_do_exit_fix"), "spec.modules[1].name", "declared twice"),
                bad("missing kernelRelease", s -> s.getModules().get(0).setKernelRelease(null), "spec.modules[0].kernelRelease", "uname -r"),
                bad("kernelRelease with a space", s -> s.getModules().get(0).setKernelRelease("6.1 amd64"), "spec.modules[0].kernelRelease", "not a kernel release"),
                bad("missing replaceable", s -> s.getModules().get(0).setReplaceable(null), "spec.modules[0].replaceable", "is required"),
                bad("pinned and atomicReplace", s -> s.getModules().get(0).setAtomicReplace(true), "spec.modules[0]", "kpatch-build --non-replace"),
                bad("two atomicReplace modules for one kernel", s -> {
                    s.getModules().get(1).setAtomicReplace(true);
                    s.getModules().add(replaceable("lp_cumulative_b").atomicReplace().kernel(KERNEL).from(ModuleSource.hostPath("/m/b.ko", SHA)).build());
                }, "spec.modules", "at most one"),
                bad("atomicReplace beside another replaceable module", s -> {
                    s.getModules().get(1).setAtomicReplace(true);
                    s.getModules().add(replaceable("lp_other").kernel(KERNEL).from(ModuleSource.hostPath("/m/o.ko", SHA)).build());
                }, "spec.modules", "would supersede the replaceable modules [lp_other]"),
                bad("allowFunctionOverlap on a pinned module", s -> s.getModules().get(0).setAllowFunctionOverlap(java.util.List.of("do_exit")),
                        "spec.modules[0].allowFunctionOverlap", "is for replaceable modules"),
                bad("allowFunctionOverlap naming a sysfs path", s -> s.getModules().get(1).setAllowFunctionOverlap(java.util.List.of("vmlinux/do_exit,1")),
                        "spec.modules[1].allowFunctionOverlap[0]", "not a function name"),
                bad("missing source", s -> s.getModules().get(0).setSource(null), "spec.modules[0].source", "is required"),
                bad("missing sha256", s -> s.getModules().get(0).getSource().setSha256(null), "spec.modules[0].source.sha256", "sha256sum"),
                bad("uppercase sha256", s -> s.getModules().get(0).getSource().setSha256(SHA.toUpperCase()), "spec.modules[0].source.sha256", "64 lowercase hex"),
                bad("short sha256", s -> s.getModules().get(0).getSource().setSha256(SHA.substring(1)), "spec.modules[0].source.sha256", "64 lowercase hex"),
                bad("no source kind", s -> s.getModules().get(0).getSource().setConfigMap(null), "spec.modules[0].source", "exactly one of url, configMap, hostPath (found 0)"),
                bad("two source kinds", s -> s.getModules().get(0).getSource().setHostPath("/opt/fix.ko"), "spec.modules[0].source", "(found 2)"),
                bad("http url without insecure", s -> s.getModules().get(1).getSource().setUrl("http://patches.example.com/r13.ko"), "spec.modules[1].source.url", "set insecure: true"),
                bad("ftp url", s -> s.getModules().get(1).getSource().setUrl("ftp://patches.example.com/r13.ko"), "spec.modules[1].source.url", "scheme 'ftp'"),
                bad("url without host", s -> s.getModules().get(1).getSource().setUrl("https:///r13.ko"), "spec.modules[1].source.url", "has no host"),
                bad("url that does not parse", s -> s.getModules().get(1).getSource().setUrl("https://exa mple.com/x.ko"), "spec.modules[1].source.url", "not a URL"),
                bad("insecure on a configMap source", s -> s.getModules().get(0).getSource().setInsecure(true), "spec.modules[0].source.insecure", "only to url"),
                bad("configMap namespace invalid", s -> s.getModules().get(0).getSource().setConfigMap(new ConfigMapKey("Kube_System", "cm", "k")), "spec.modules[0].source.configMap.namespace", "namespace name"),
                bad("configMap key invalid", s -> s.getModules().get(0).getSource().setConfigMap(new ConfigMapKey("ns", "cm", "a/b")), "spec.modules[0].source.configMap.key", "ConfigMap key"),
                bad("configMap without name", s -> s.getModules().get(0).getSource().setConfigMap(new ConfigMapKey("ns", null, "k")), "spec.modules[0].source.configMap.name", "is required"),
                bad("relative hostPath", s -> swapToHostPath(s, "lib/fix.ko"), "spec.modules[0].source.hostPath", "absolute path to a .ko"),
                bad("hostPath not a .ko", s -> swapToHostPath(s, "/etc/shadow"), "spec.modules[0].source.hostPath", "absolute path to a .ko"),
                bad("hostPath with ..", s -> swapToHostPath(s, "/var/lib/../../etc/x.ko"), "spec.modules[0].source.hostPath", "'..'"),
                bad("maxConcurrent 0", s -> s.getRollout().setMaxConcurrent(new IntOrString(0)), "spec.rollout.maxConcurrent", "at least 1"),
                bad("maxConcurrent 0%", s -> s.getRollout().setMaxConcurrent(new IntOrString("0%")), "spec.rollout.maxConcurrent", "1% to 100%"),
                bad("maxConcurrent 150%", s -> s.getRollout().setMaxConcurrent(new IntOrString("150%")), "spec.rollout.maxConcurrent", "1% to 100%"),
                bad("maxConcurrent as a numeric string", s -> s.getRollout().setMaxConcurrent(new IntOrString("5")), "spec.rollout.maxConcurrent", "integer or a percentage"),
                bad("maxFailedNodes negative", s -> s.getRollout().setMaxFailedNodes(new IntOrString(-1)), "spec.rollout.maxFailedNodes", "at least 0"),
                bad("maxFailedNodes 101%", s -> s.getRollout().setMaxFailedNodes(new IntOrString("101%")), "spec.rollout.maxFailedNodes", "1% to 100%"),
                bad("interval that does not parse", s -> s.getRollout().setInterval("30 seconds"), "spec.rollout.interval", "not a duration"),
                bad("interval over 24h", s -> s.getRollout().setInterval("25h"), "spec.rollout.interval", "between 0s and 24h"),
                bad("nodeCooldown in days", s -> s.getRollout().setNodeCooldown("1d"), "spec.rollout.nodeCooldown", "not a duration"),
                bad("stallTimeout 0s", s -> s.getRollout().setStallTimeout("0s"), "spec.rollout.stallTimeout", "between 1s and 24h"),
                bad("healthGates without bake", s -> s.setHealthGates(new HealthGates(null, OnUnhealthy.Revert)), "spec.healthGates.bake", "is required"),
                bad("healthGates bake in words", s -> s.setHealthGates(new HealthGates("ten minutes", OnUnhealthy.Pause)), "spec.healthGates.bake", "not a duration"),
                bad("healthGates bake 0s", s -> s.setHealthGates(new HealthGates("0s", OnUnhealthy.Revert)), "spec.healthGates.bake", "between 1s and 24h"),
                bad("healthGates bake 25h", s -> s.setHealthGates(new HealthGates("25h", OnUnhealthy.Revert)), "spec.healthGates.bake", "between 1s and 24h"),
                bad("stallTimeout ISO-8601", s -> s.getRollout().setStallTimeout("PT2M"), "spec.rollout.stallTimeout", "not a duration"),
                bad("progressDeadline 0s", s -> s.getRollout().setProgressDeadline("0s"), "spec.rollout.progressDeadline", "between 1s and 24h"),
                bad("progressDeadline 25h", s -> s.getRollout().setProgressDeadline("25h"), "spec.rollout.progressDeadline", "between 1s and 24h"),
                bad("progressDeadline words", s -> s.getRollout().setProgressDeadline("ten minutes"), "spec.rollout.progressDeadline", "not a duration"),
                bad("retryFailed too long", s -> s.getRollout().setRetryFailed("x".repeat(254)), "spec.rollout.retryFailed", "at most 253"),
                bad("canaryNodes negative", s -> s.getRollout().setCanaryNodes(-1), "spec.rollout.canaryNodes", "between 0 and 1000"),
                bad("selector operator unknown", s -> selector(s, "zone", "Equals", List.of("a")), "spec.nodeSelector.matchExpressions[0].operator", "In, NotIn, Exists or DoesNotExist"),
                bad("selector In without values", s -> selector(s, "zone", "In", List.of()), "spec.nodeSelector.matchExpressions[0].values", "at least one value"),
                bad("selector Exists with values", s -> selector(s, "zone", "Exists", List.of("a")), "spec.nodeSelector.matchExpressions[0].values", "takes no values"),
                bad("selector key invalid", s -> selector(s, "-zone", "Exists", List.of()), "spec.nodeSelector.matchExpressions[0].key", "not a label key"),
                bad("matchLabels value invalid", s -> s.setNodeSelector(new LabelSelector(null, Map.of("zone", "a b"))), "spec.nodeSelector.matchLabels[zone]", "not a label value"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSpecs")
    void rejects(Consumer<LivePatchSpec> breakIt, String field, String messageFragment) {
        LivePatchSpec spec = validSpec();
        breakIt.accept(spec);

        List<Violation> violations = LivePatchValidator.validate(spec);

        assertThat(violations).anySatisfy(v -> {
            assertThat(v.field()).isEqualTo(field);
            assertThat(v.message()).contains(messageFragment);
        });
    }

    private static Arguments bad(String name, Consumer<LivePatchSpec> breakIt, String field, String messageFragment) {
        return Arguments.of(Named.of(name, breakIt), field, messageFragment);
    }

    private static void swapToHostPath(LivePatchSpec s, String path) {
        s.getModules().get(0).setSource(ModuleSource.hostPath(path, SHA));
    }

    private static void selector(LivePatchSpec s, String key, String operator, List<String> values) {
        s.setNodeSelector(new LabelSelector(List.of(new LabelSelectorRequirement(key, operator, values)), null));
    }
}
