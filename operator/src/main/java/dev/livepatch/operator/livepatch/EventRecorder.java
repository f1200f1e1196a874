package dev.livepatch.operator.livepatch;

import dev.livepatch.api.v1alpha1.LivePatch;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on a LivePatch ({@code kubectl describe lp}). LivePatches are cluster-scoped,
 * so their events live in a configured namespace, as the API server does for Nodes. A failed event
 * write is logged, never fails a reconcile.
 */
public final class EventRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    private static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final String namespace;
    private final String component;
    private final Clock clock;

    public EventRecorder(KubernetesClient client, String namespace, String component, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.component = component;
        this.clock = clock;
    }

    public void normal(LivePatch lp, String reason, String message) {
        record(lp, "Normal", reason, message);
    }

    public void warning(LivePatch lp, String reason, String message) {
        record(lp, "Warning", reason, message);
    }

    private void record(LivePatch lp, String type, String reason, String message) {
        String now = clock.instant().toString();
        String text = message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE - 3) + "...";
        String name = lp.getMetadata().getName() + "." + Long.toHexString(clock.millis()) + Long.toHexString(System.nanoTime() & 0xffff);
        LOG.info("event livepatch={} type={} reason={} message={}", lp.getMetadata().getName(), type, reason, text);
        try {
            client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata().withName(name.toLowerCase(Locale.ROOT)).withNamespace(namespace).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(lp.getApiVersion()).withKind(lp.getKind())
                            .withName(lp.getMetadata().getName()).withUid(lp.getMetadata().getUid())
                            .withResourceVersion(lp.getMetadata().getResourceVersion()).build())
                    .withType(type).withReason(reason).withMessage(text)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent(component).endSource()
                    .withReportingComponent(component)
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.warn("failed to record event livepatch={} reason={}: {}", lp.getMetadata().getName(), reason, e.getMessage());
        }
    }
}
