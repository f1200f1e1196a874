package dev.livepatch.daemon.agent;

import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatchStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * The one place that writes this node's NodeLivePatch status. Skips a write when the status is the
 * same as the last one written; a failed write is logged and retried with the next status (the
 * next pass or resync publishes again).
 */
public final class StatusWriter implements Consumer<NodeLivePatchStatus> {
    private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);
    private final KubernetesClient client;
    private final String nodeName;
    /** The client's own: a second one would hold a second mapper and its caches. */
    private final KubernetesSerialization json;
    private String lastWritten;

    public StatusWriter(KubernetesClient client, String nodeName) {
        this.client = client;
        this.nodeName = nodeName;
        this.json = client.getKubernetesSerialization();
    }

    @Override
    public synchronized void accept(NodeLivePatchStatus status) {
        String text = json.asJson(status);
        if (text.equals(lastWritten)) return;
        try {
            NodeLivePatch written = client.resources(NodeLivePatch.class).withName(nodeName).editStatus(n -> {
                n.setStatus(status);
                return n;
            });
            if (written != null) lastWritten = text;
        } catch (KubernetesClientException e) {
            log.atWarn().addKeyValue("node", nodeName).addKeyValue("code", e.getCode()).addKeyValue("error", e.getMessage())
                    .log("failed to write status; retried with the next one");
        }
    }

    /** Forgets what was written, so the next status is written even when equal (after the object was recreated). */
    public synchronized void reset() { lastWritten = null; }
}
