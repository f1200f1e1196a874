package dev.livepatch.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A key in a ConfigMap's binaryData. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConfigMapKey {
    public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public static final String DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    @Required
    @Size(max = 63)
    @Pattern(DNS_LABEL)
    private String namespace;

    @Required
    @Size(max = 253)
    @Pattern(DNS_SUBDOMAIN)
    private String name;

    @Required
    @Size(max = 253)
    @Pattern("^[-._a-zA-Z0-9]+$")
    @JsonPropertyDescription("The binaryData key holding the module file.")
    private String key;

    public ConfigMapKey() {}

    public ConfigMapKey(String namespace, String name, String key) {
        this.namespace = namespace;
        this.name = name;
        this.key = key;
    }

    public String getNamespace() { return namespace; }
    public void setNamespace(String namespace) { this.namespace = namespace; }
    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getKey() { return key; }
    public void setKey(String key) { this.key = key; }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigMapKey k && Objects.equals(namespace, k.namespace) && Objects.equals(name, k.name) && Objects.equals(key, k.key);
    }

    @Override
    public int hashCode() { return Objects.hash(namespace, name, key); }
}
