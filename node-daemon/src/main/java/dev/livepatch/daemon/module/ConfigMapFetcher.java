package dev.livepatch.daemon.module;

import dev.livepatch.api.v1alpha1.ConfigMapKey;
import dev.livepatch.api.v1alpha1.ModuleSource;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.IOException;
import java.util.Base64;

/**
 * Reads a key of a ConfigMap's {@code binaryData} through the API server. The API server's 429s,
 * 5xx and timeouts are retryable, and so are a ConfigMap or key not there yet and a 401/403
 * (publishing the ConfigMap or fixing RBAC needs no new spec); content that is not base64 is not.
 */
public final class ConfigMapFetcher implements ModuleFetcher {
    private final KubernetesClient client;

    /** @param client null in one-shot mode (no API server): every ConfigMap source then fails clearly */
    public ConfigMapFetcher(KubernetesClient client) { this.client = client; }

    @Override
    public boolean handles(ModuleSource source) { return source.getConfigMap() != null; }

    @Override
    public byte[] fetch(ModuleSource source) throws IOException {
        ConfigMapKey k = source.getConfigMap();
        String where = "ConfigMap " + k.getNamespace() + "/" + k.getName();
        if (client == null) throw FetchException.permanent("no API server to read ConfigMaps from (one-shot mode)");
        ConfigMap cm;
        try {
            cm = client.configMaps().inNamespace(k.getNamespace()).withName(k.getName()).get();
        } catch (KubernetesClientException e) {
            throw classify(where, e);
        }
        if (cm == null) throw FetchException.retryable(where + " not found (create it with the module under binaryData key '" + k.getKey() + "')");
        String b64 = cm.getBinaryData() == null ? null : cm.getBinaryData().get(k.getKey());
        if (b64 == null) throw FetchException.retryable(where + " has no binaryData key '" + k.getKey() + "' (publish the module under that key)");
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw FetchException.permanent("binaryData key '" + k.getKey() + "' is not base64");
        }
    }

    static FetchException classify(String where, KubernetesClientException e) {
        int code = e.getCode();
        String cause = code > 0 ? "HTTP " + code : "no answer";
        String message = "read of " + where + " failed: " + cause + (e.getMessage() == null ? "" : " (" + e.getMessage().lines().findFirst().orElse("") + ")");
        if (code == 401 || code == 403) {
            return new FetchException(message + "; the daemon's service account may not read it (RBAC)", true, e);
        }
        boolean retryable = code <= 0 || code == 408 || code == 429 || code >= 500 || code == 404;
        return new FetchException(message, retryable, e);
    }

    @Override
    public String describe(ModuleSource source) {
        ConfigMapKey k = source.getConfigMap();
        return "ConfigMap " + k.getNamespace() + "/" + k.getName() + " key " + k.getKey();
    }
}
