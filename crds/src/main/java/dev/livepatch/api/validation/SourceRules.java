package dev.livepatch.api.validation;

import static dev.livepatch.api.validation.Violation.abbreviate;

import dev.livepatch.api.v1alpha1.ConfigMapKey;
import dev.livepatch.api.v1alpha1.ModuleSource;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.regex.Pattern;

/** The rules of a module's {@code source}: the digest, and exactly one well-formed place to fetch it from. */
final class SourceRules {
    private static final Pattern SHA256 = Pattern.compile(ModuleSource.SHA256_PATTERN);
    private static final Pattern HOST_PATH = Pattern.compile(ModuleSource.HOST_PATH_PATTERN);
    private static final Pattern DNS_LABEL = Pattern.compile(ConfigMapKey.DNS_LABEL);
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(ConfigMapKey.DNS_SUBDOMAIN);
    private static final Pattern CONFIGMAP_KEY = Pattern.compile("^[-._a-zA-Z0-9]+$");

    private SourceRules() {}

    static void validate(ModuleSource s, String at, List<Violation> out) {
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

    private static void requireMatch(String value, Pattern pattern, int maxLength, String at, String what, List<Violation> out) {
        if (value == null) {
            out.add(new Violation(at, "is required"));
        } else if (value.length() > maxLength || !pattern.matcher(value).matches()) {
            out.add(new Violation(at, "'" + abbreviate(value) + "' is not " + what));
        }
    }
}
