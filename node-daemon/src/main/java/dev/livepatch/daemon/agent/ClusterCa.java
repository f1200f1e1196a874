package dev.livepatch.daemon.agent;

import io.fabric8.kubernetes.client.Config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The API server's certificate authority as the client's configuration names it (the service
 * account's {@code ca.crt} in a pod, or a kubeconfig's certificate-authority[-data]), and trust in it
 * alone: a trust store holding only its certificates, so the JDK's own store is never read.
 */
public final class ClusterCa {
    private ClusterCa() {}

    /** The configured CA's trust managers; empty when the configuration names no CA. */
    public static Optional<TrustManager[]> trustManagers(Config config) {
        byte[] pem = pem(config);
        return pem == null ? Optional.empty() : Optional.of(trustManagers(pem));
    }

    /** Trust managers that trust exactly the certificates in {@code pem} (one or more, PEM or DER). */
    public static TrustManager[] trustManagers(byte[] pem) {
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem));
            if (certs.isEmpty()) throw new IllegalArgumentException("the cluster CA holds no certificate");
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (Certificate cert : certs) store.setCertificateEntry("cluster-ca-" + i++, cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf.getTrustManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("failed to read the cluster CA: " + e.getMessage(), e);
        }
    }

    /** Data wins over a file, as in Fabric8; data is base64 (a kubeconfig's) or the PEM text itself. */
    private static byte[] pem(Config config) {
        String data = config.getCaCertData();
        if (data != null && !data.isEmpty()) {
            try {
                return Base64.getMimeDecoder().decode(data);
            } catch (IllegalArgumentException notBase64) {
                return data.getBytes(StandardCharsets.US_ASCII);
            }
        }
        String file = config.getCaCertFile();
        if (file == null || file.isEmpty()) return null;
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException("failed to read the cluster CA file " + file + ": " + e.getMessage(), e);
        }
    }
}
