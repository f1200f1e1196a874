package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** Exactly one of url, configMap, hostPath; the sha256 always. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "(has(self.url) ? 1 : 0) + (has(self.configMap) ? 1 : 0) + (has(self.hostPath) ? 1 : 0) == 1",
        message = "set exactly one of source.url, source.configMap, source.hostPath",
        reason = "FieldValueInvalid")
@ValidationRule(
        value = "!has(self.url) || self.url.startsWith('https://') || (self.url.startsWith('http://') && has(self.insecure) && self.insecure)",
        message = "source.url must use https (http only with insecure: true)",
        reason = "FieldValueInvalid")
@ValidationRule(
        value = "!has(self.insecure) || !self.insecure || has(self.url)",
        message = "source.insecure applies only to source.url",
        reason = "FieldValueInvalid")
public class ModuleSource {
    public static final String SHA256_PATTERN = "^[a-f0-9]{64}$";
    public static final String HOST_PATH_PATTERN = "^/([^/\\x00]+/)*[^/\\x00]+\\.ko$";

    @Size(max = 2048)
    @Pattern("^https?://[^\\s]+$")
    @JsonPropertyDescription("An https URL of the module file.")
    private String url;

    @JsonPropertyDescription("Allow a plain http url. The sha256 still protects the content; the transport is not private.")
    private Boolean insecure;

    @JsonPropertyDescription("A key of a ConfigMap's binaryData holding the module file.")
    private ConfigMapKey configMap;

    @Size(max = 1024)
    @Pattern(HOST_PATH_PATTERN)
    @ValidationRule(value = "!self.split('/').exists(s, s == '..' || s == '.')", message = "source.hostPath must not contain '.' or '..' segments", reason = "FieldValueInvalid")
    @JsonPropertyDescription("An absolute path to a .ko file on the node's host filesystem.")
    private String hostPath;

    @Required
    @Pattern(SHA256_PATTERN)
    @JsonPropertyDescription("The module file's sha256, 64 lowercase hex digits. A file that does not match is never loaded.")
    private String sha256;

    public static ModuleSource url(String url, String sha256) {
        ModuleSource s = new ModuleSource();
        s.url = url;
        s.sha256 = sha256;
        return s;
    }

    public static ModuleSource hostPath(String path, String sha256) {
        ModuleSource s = new ModuleSource();
        s.hostPath = path;
        s.sha256 = sha256;
        return s;
    }

    public static ModuleSource configMap(String namespace, String name, String key, String sha256) {
        ModuleSource s = new ModuleSource();
        s.configMap = new ConfigMapKey(namespace, name, key);
        s.sha256 = sha256;
        return s;
    }

    public String getUrl() { return url; }
    public void setUrl(String url) { this.url = url; }
    public Boolean getInsecure() { return insecure; }
    public void setInsecure(Boolean insecure) { this.insecure = insecure; }
    public ConfigMapKey getConfigMap() { return configMap; }
    public void setConfigMap(ConfigMapKey configMap) { this.configMap = configMap; }
    public String getHostPath() { return hostPath; }
    public void setHostPath(String hostPath) { this.hostPath = hostPath; }
    public String getSha256() { return sha256; }
    public void setSha256(String sha256) { this.sha256 = sha256; }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModuleSource s && Objects.equals(url, s.url) && Objects.equals(insecure, s.insecure)
                && Objects.equals(configMap, s.configMap) && Objects.equals(hostPath, s.hostPath) && Objects.equals(sha256, s.sha256);
    }

    @Override
    public int hashCode() { return Objects.hash(url, insecure, configMap, hostPath, sha256); }
}
