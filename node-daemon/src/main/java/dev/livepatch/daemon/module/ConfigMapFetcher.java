package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.ConfigMapKey;
import dev.livepatch.api.v1alpha1.ModuleSource;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.util.Base64;

/** Reads a key of a ConfigMap's {@code binaryData} through the API server. */
public final class ConfigMapFetcher implements ModuleFetcher {
    private final KubernetesClient client;

    /** @param client null in one-shot mode (no API server): every ConfigMap source then fails clearly */
    public ConfigMapFetcher(KubernetesClient client) { this.client = client; }

    @Override
    public boolean handles(ModuleSource source) { return source.getConfigMap() != null; }

    @Override
    public byte[] fetch(ModuleSource source) throws IOException {
        ConfigMapKey k = source.getConfigMap();
        if (client == null) throw new IOException("no API server to read ConfigMaps from (one-shot mode)");
        ConfigMap cm = client.configMaps().inNamespace(k.getNamespace()).withName(k.getName()).get();
        if (cm == null) throw new IOException("ConfigMap not found");
        String b64 = cm.getBinaryData() == null ? null : cm.getBinaryData().get(k.getKey());
        if (b64 == null) throw new IOException("ConfigMap has no binaryData key '" + k.getKey() + "'");
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IOException("binaryData key '" + k.getKey() + "' is not base64");
        }
    }

    @Override
    public String describe(ModuleSource source) {
        ConfigMapKey k = source.getConfigMap();
        return "ConfigMap " + k.getNamespace() + "/" + k.getName() + " key " + k.getKey();
    }
}
