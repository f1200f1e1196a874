package dev.livepatch.api.validation;

import dev.livepatch.api.v1alpha1.ConfigMapKey;
import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.ModuleSource;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.api.v1alpha1.RolloutSpec;
import dev.livepatch.api.values.IntOrPercent;
import dev.livepatch.api.values.KubeDuration;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every rule of a LivePatch spec (docs/design.md §3.1), in one place. The CRD schema enforces most of them
 * at admission; the operator calls this again because objects can predate a schema change, the
 * schema can be bypassed (a CRD installed without validation, a mock server), and some rules
 * (URL syntax, label selector semantics) a schema cannot express. Returns every violation, not
 * just the first, so a user fixes them in one go.
 */
public final class LivePatchValidator {
    public static final int MAX_MODULES = 64;
    public static final int MAX_CANARY_NODES = 1000;
    private static final Duration MAX_DURATION = Duration.ofHours(24);
    private static final Duration MIN_STALL_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration MIN_PROGRESS_DEADLINE = Duration.ofSeconds(1);
    static final int MAX_RETRY_TOKEN = 253;

    private static final Pattern NAME = Pattern.compile(PatchModule.NAME_PATTERN);
    private static final Pattern KERNEL_RELEASE = Pattern.compile(PatchModule.KERNEL_RELEASE_PATTERN);
    private static final Pattern SHA256 = Pattern.compile(ModuleSource.SHA256_PATTERN);
    private static final Pattern HOST_PATH = Pattern.compile(ModuleSource.HOST_PATH_PATTERN);
    private static final Pattern DNS_LABEL = Pattern.compile(ConfigMapKey.DNS_LABEL);
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(ConfigMapKey.DNS_SUBDOMAIN);
    private static final Pattern CONFIGMAP_KEY = Pattern.compile("^[-._a-zA-Z0-9]+$");
    private static final Pattern LABEL_KEY = Pattern.compile("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");
    private static final Pattern LABEL_VALUE = Pattern.compile("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$");
    private static final Set<String> SET_OPERATORS = Set.of("In", "NotIn");
    private static final Set<String> EXISTENCE_OPERATORS = Set.of("Exists", "DoesNotExist");

    private LivePatchValidator() {}

    /** All violations of the spec; empty when it is valid. */
    public static List<Violation> validate(LivePatchSpec spec) {
        List<Violation> out = new ArrayList<>();
        if (spec == null) {
            out.add(new Violation("spec", "is required"));
            return out;
        }
        validateSelector(spec.getNodeSelector(), out);
        validateModules(spec.getModules(), out);
        validateRollout(spec.getRollout(), out);
        return Collections.unmodifiableList(out);
    }

    private static void validateModules(List<PatchModule> modules, List<Violation> out) {
        if (modules == null || modules.isEmpty()) {
            out.add(new Violation("spec.modules", "declare at least one module"));
            return;
        }
        if (modules.size() > MAX_MODULES) {
            out.add(new Violation("spec.modules", "declares " + modules.size() + " modules; at most " + MAX_MODULES + " are allowed"));
        }
        Set<String> seen = new HashSet<>();
        Map<String, List<PatchModule>> byRelease = new HashMap<>();
        for (int i = 0; i < modules.size(); i++) {
            PatchModule m = modules.get(i);
            String at = "spec.modules[" + i + "]";
            if (m == null) {
                out.add(new Violation(at, "is empty"));
                continue;
            }
            validateModule(m, at, out);
            if (m.getName() != null && m.getKernelRelease() != null) {
                if (!seen.add(m.getName() + "\u0000" + m.getKernelRelease())) {
                    out.add(new Violation(at + ".name", "'" + m.getName() + "' is declared twice for kernel " + m.getKernelRelease()
                            + "; each patch name may appear once per kernelRelease"));
                }
                byRelease.computeIfAbsent(m.getKernelRelease(), k -> new ArrayList<>()).add(m);
            }
        }
        byRelease.forEach((release, ms) -> validateAtomicReplaceSet(release, ms, out));
    }

    /** docs/design.md §5 rule 3: an atomic-replace module supersedes every replaceable one, so it must be the only one. */
    private static void validateAtomicReplaceSet(String release, List<PatchModule> modules, List<Violation> out) {
        List<String> atomic = modules.stream().filter(PatchModule::isAtomicReplace).map(PatchModule::getName).toList();
        if (atomic.isEmpty()) {
            return;
        }
        if (atomic.size() > 1) {
            out.add(new Violation("spec.modules", "kernel " + release + " has " + atomic.size() + " atomicReplace modules " + atomic
                    + "; at most one is allowed, as each would sweep the others"));
            return;
        }
        List<String> otherReplaceable = modules.stream()
                .filter(m -> !m.isAtomicReplace() && !m.isPinned()).map(PatchModule::getName).toList();
        if (!otherReplaceable.isEmpty()) {
            out.add(new Violation("spec.modules", "kernel " + release + ": atomicReplace module '" + atomic.get(0)
                    + "' would supersede the replaceable modules " + otherReplaceable
                    + "; fold them into it (it is cumulative) or mark them replaceable: false"));
        }
    }

    private static void validateModule(PatchModule m, String at, List<Violation> out) {
        if (m.getName() == null) {
            out.add(new Violation(at + ".name", "is required"));
        } else if (!NAME.matcher(m.getName()).matches()) {
            out.add(new Violation(at + ".name", "'" + m.getName() + "' is not a livepatch name: use 1-55 of a-z, 0-9 and '_' "
                    + "(the name in /sys/kernel/livepatch, i.e. the module name with '-' written as '_')"));
        }
        if (m.getKernelRelease() == null) {
            out.add(new Violation(at + ".kernelRelease", "is required: the exact `uname -r` the module was built for"));
        } else if (!KERNEL_RELEASE.matcher(m.getKernelRelease()).matches()) {
            out.add(new Violation(at + ".kernelRelease", "'" + m.getKernelRelease() + "' is not a kernel release (expected `uname -r` output, e.g. 6.1.0-56-amd64)"));
        }
        if (m.getReplaceable() == null) {
            out.add(new Violation(at + ".replaceable", "is required: true for the cumulative set an atomic-replace patch may supersede, false to pin the patch"));
        }
        if (m.isPinned() && m.isAtomicReplace() && m.getReplaceable() != null) {
            out.add(new Violation(at, "a pinned module (replaceable: false) cannot be atomicReplace: it would sweep every other patch; "
                    + "build it without atomic replace (kpatch-build --non-replace) or mark it replaceable"));
        }
        validateSource(m.getSource(), at + ".source", out);
    }

    private static void validateSource(ModuleSource s, String at, List<Violation> out) {
        if (s == null) {
            out.add(new Violation(at, "is required: one of url, configMap, hostPath, and the sha256"));
            return;
        }
        if (s.getSha256() == null) {
            out.add(new Violation(at + ".sha256", "is required: the module file's sha256 (sha256sum <file>.ko)"));
        } else if (!SHA256.matcher(s.getSha256()).matches()) {
            out.add(new Violation(at + ".sha256", "must be 64 lowercase hex digits, got '" + abbreviate(s.getSha256()) + "'"));
        }
        int sources = (s.getUrl() != null ? 1 : 0) + (s.getConfigMap() != null ? 1 : 0) + (s.getHostPath() != null ? 1 : 0);
        if (sources != 1) {
            out.add(new Violation(at, "set exactly one of url, configMap, hostPath (found " + sources + ")"));
        }
        if (s.getUrl() != null) {
            validateUrl(s.getUrl(), Boolean.TRUE.equals(s.getInsecure()), at + ".url", out);
        } else if (Boolean.TRUE.equals(s.getInsecure())) {
            out.add(new Violation(at + ".insecure", "applies only to url"));
        }
        if (s.getConfigMap() != null) {
            validateConfigMap(s.getConfigMap(), at + ".configMap", out);
        }
        if (s.getHostPath() != null) {
            validateHostPath(s.getHostPath(), at + ".hostPath", out);
        }
    }

    private static void validateUrl(String url, boolean insecure, String at, List<Violation> out) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            out.add(new Violation(at, "'" + abbreviate(url) + "' is not a URL: " + e.getReason()));
            return;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        if (scheme.equals("http") && !insecure) {
            out.add(new Violation(at, "uses http; use https, or set insecure: true to accept a plain http download (the sha256 still checks the content)"));
        } else if (!scheme.equals("https") && !scheme.equals("http")) {
            out.add(new Violation(at, "scheme '" + scheme + "' is not supported; use https"));
        }
        if (uri.getHost() == null) {
            out.add(new Violation(at, "'" + abbreviate(url) + "' has no host"));
        }
    }

    private static void validateConfigMap(ConfigMapKey cm, String at, List<Violation> out) {
        requireMatch(cm.getNamespace(), DNS_LABEL, 63, at + ".namespace", "a namespace name", out);
        requireMatch(cm.getName(), DNS_SUBDOMAIN, 253, at + ".name", "a ConfigMap name", out);
        requireMatch(cm.getKey(), CONFIGMAP_KEY, 253, at + ".key", "a ConfigMap key (letters, digits, '-', '_', '.')", out);
    }

    private static void validateHostPath(String path, String at, List<Violation> out) {
        if (!HOST_PATH.matcher(path).matches()) {
            out.add(new Violation(at, "'" + abbreviate(path) + "' must be an absolute path to a .ko file"));
        } else if (List.of(path.split("/")).stream().anyMatch(seg -> seg.equals("..") || seg.equals("."))) {
            out.add(new Violation(at, "'" + abbreviate(path) + "' must not contain '.' or '..' segments"));
        }
    }

    private static void validateRollout(RolloutSpec r, List<Violation> out) {
        if (r == null) {
            return;
        }
        String at = "spec.rollout";
        validateIntOrPercent(r.getMaxConcurrent(), 1, at + ".maxConcurrent", out);
        validateIntOrPercent(r.getMaxFailedNodes(), 0, at + ".maxFailedNodes", out);
        validateDuration(r.getInterval(), Duration.ZERO, at + ".interval", out);
        validateDuration(r.getNodeCooldown(), Duration.ZERO, at + ".nodeCooldown", out);
        validateDuration(r.getStallTimeout(), MIN_STALL_TIMEOUT, at + ".stallTimeout", out);
        validateDuration(r.getProgressDeadline(), MIN_PROGRESS_DEADLINE, at + ".progressDeadline", out);
        if (r.getRetryFailed() != null && r.getRetryFailed().length() > MAX_RETRY_TOKEN) {
            out.add(new Violation(at + ".retryFailed", "must be at most " + MAX_RETRY_TOKEN + " characters, got " + r.getRetryFailed().length()));
        }
        if (r.getCanaryNodes() != null && (r.getCanaryNodes() < 0 || r.getCanaryNodes() > MAX_CANARY_NODES)) {
            out.add(new Violation(at + ".canaryNodes", "must be between 0 and " + MAX_CANARY_NODES + ", got " + r.getCanaryNodes()));
        }
    }

    private static void validateIntOrPercent(IntOrString value, int minCount, String at, List<Violation> out) {
        if (value == null) {
            return;
        }
        var parsed = IntOrPercent.parse(value);
        if (parsed.isEmpty()) {
            out.add(new Violation(at, "'" + value.getStrVal() + "' must be an integer or a percentage from 1% to 100% (e.g. 10%)"));
        } else if (parsed.get().count().isPresent() && parsed.get().count().getAsInt() < minCount) {
            out.add(new Violation(at, "must be at least " + minCount + ", got " + parsed.get().count().getAsInt()));
        }
    }

    private static void validateDuration(String text, Duration min, String at, List<Violation> out) {
        if (text == null) {
            return;
        }
        var parsed = KubeDuration.parse(text);
        if (parsed.isEmpty()) {
            out.add(new Violation(at, "'" + abbreviate(text) + "' is not a duration: use digits and a unit ms, s, m or h, e.g. 30s or 1m30s"));
        } else if (parsed.get().compareTo(min) < 0 || parsed.get().compareTo(MAX_DURATION) > 0) {
            out.add(new Violation(at, "must be between " + KubeDuration.format(min) + " and 24h, got " + text));
        }
    }

    private static void validateSelector(LabelSelector selector, List<Violation> out) {
        if (selector == null) {
            return;
        }
        if (selector.getMatchLabels() != null) {
            selector.getMatchLabels().forEach((k, v) -> {
                String at = "spec.nodeSelector.matchLabels[" + k + "]";
                if (k == null || !LABEL_KEY.matcher(k).matches()) {
                    out.add(new Violation(at, "'" + k + "' is not a label key"));
                }
                if (v == null || v.length() > 63 || !LABEL_VALUE.matcher(v).matches()) {
                    out.add(new Violation(at, "'" + v + "' is not a label value (at most 63 of letters, digits, '-', '_', '.')"));
                }
            });
        }
        List<LabelSelectorRequirement> exprs = selector.getMatchExpressions();
        for (int i = 0; exprs != null && i < exprs.size(); i++) {
            validateRequirement(exprs.get(i), "spec.nodeSelector.matchExpressions[" + i + "]", out);
        }
    }

    private static void validateRequirement(LabelSelectorRequirement req, String at, List<Violation> out) {
        if (req.getKey() == null || !LABEL_KEY.matcher(req.getKey()).matches()) {
            out.add(new Violation(at + ".key", "'" + req.getKey() + "' is not a label key"));
        }
        String op = req.getOperator();
        List<String> values = req.getValues() == null ? List.of() : req.getValues();
        if (SET_OPERATORS.contains(op)) {
            if (values.isEmpty()) {
                out.add(new Violation(at + ".values", "operator " + op + " needs at least one value"));
            }
        } else if (EXISTENCE_OPERATORS.contains(op)) {
            if (!values.isEmpty()) {
                out.add(new Violation(at + ".values", "operator " + op + " takes no values"));
            }
        } else {
            out.add(new Violation(at + ".operator", "'" + op + "' is not an operator: use In, NotIn, Exists or DoesNotExist"));
        }
        for (String v : values) {
            if (v == null || v.length() > 63 || !LABEL_VALUE.matcher(v).matches()) {
                out.add(new Violation(at + ".values", "'" + v + "' is not a label value"));
            }
        }
    }

    private static void requireMatch(String value, Pattern pattern, int maxLength, String at, String what, List<Violation> out) {
        if (value == null) {
            out.add(new Violation(at, "is required"));
        } else if (value.length() > maxLength || !pattern.matcher(value).matches()) {
            out.add(new Violation(at, "'" + abbreviate(value) + "' is not " + what));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
