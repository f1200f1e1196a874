import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes the JRE's trust store (what ca-certificates-java's maintainer script would make) from the
 * ca-certificates package's PEM files, byte for byte the same from the same files: a JKS key store
 * of trusted-certificate entries, aliases in name order, each entry's date the certificate's
 * notBefore (KeyStore.store would stamp the current time), integrity-checked with "changeit" as the
 * JDK's and Debian's cacerts are. Run with the JDK's source launcher:
 * {@code java Cacerts.java <dir of *.crt> <output>}.
 */
public final class Cacerts {
  private static final int MAGIC = 0xFEEDFEED;
  private static final int VERSION = 2;
  private static final int TRUSTED_CERT = 2;

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: java Cacerts.java <dir of *.crt> <output file>");
    }
    List<Path> pems;
    try (Stream<Path> files = Files.list(Path.of(args[0]))) {
      pems = files.filter(p -> p.getFileName().toString().endsWith(".crt")).sorted().toList();
    }
    if (pems.isEmpty()) {
      throw new IllegalStateException("no *.crt under " + args[0]);
    }
    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(pems.size());
    for (Path pem : pems) {
      X509Certificate cert;
      try (InputStream in = Files.newInputStream(pem)) {
        cert = (X509Certificate) x509.generateCertificate(in);
      }
      String name = pem.getFileName().toString();
      out.writeInt(TRUSTED_CERT);
      out.writeUTF("debian:" + name.substring(0, name.length() - ".crt".length()).toLowerCase() + ".pem");
      out.writeLong(cert.getNotBefore().getTime());
      out.writeUTF("X.509");
      byte[] der = cert.getEncoded();
      out.writeInt(der.length);
      out.write(der);
    }
    out.flush();
    out.write(integrity(bytes.toByteArray(), "changeit".toCharArray()));
    Files.write(Path.of(args[1]), bytes.toByteArray());
  }

  /** The JKS digest: SHA-1 over the password (UTF-16BE), the string "Mighty Aphrodite" and the body. */
  private static byte[] integrity(byte[] body, char[] password) throws Exception {
    MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
    for (char c : password) {
      sha1.update((byte) (c >> 8));
      sha1.update((byte) c);
    }
    sha1.update("Mighty Aphrodite".getBytes(StandardCharsets.UTF_8));
    sha1.update(body);
    return sha1.digest();
  }

  private Cacerts() {}
}
