package dev.livepatch.e2e.image;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a tar stream entry by entry: ustar headers, PAX extended headers (path, linkpath, size, uid,
 * gid, mtime; what GNU tar's posix format and Jib write) and GNU long names.
 */
final class TarEntries {

  /** One member; {@code type} is the ustar type flag ('0' file, '5' directory, '2' symlink, '1' hard link). */
  record Entry(String path, char type, int mode, long uid, long gid, long mtime, String linkTarget, byte[] content) {
    boolean isFile() {
      return type == '0' || type == '\0';
    }
  }

  interface Visitor {
    void accept(Entry entry) throws IOException;
  }

  private static final int BLOCK = 512;

  private TarEntries() {}

  /** Visits every member; a file's content is read only when {@code wantContent} says so for its path. */
  static void read(InputStream in, java.util.function.Predicate<String> wantContent, Visitor visitor) throws IOException {
    Map<String, String> pax = new HashMap<>();
    String longName = null;
    String longLink = null;
    byte[] header = new byte[BLOCK];
    while (readBlock(in, header)) {
      if (isZero(header)) {
        return;
      }
      char type = (char) header[156];
      long size = pax.containsKey("size") ? Long.parseLong(pax.get("size")) : number(header, 124, 12);
      if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
        byte[] data = readContent(in, size);
        if (type == 'x') {
          pax.putAll(paxRecords(data));
        } else if (type == 'L') {
          longName = cString(data, 0, data.length);
        } else if (type == 'K') {
          longLink = cString(data, 0, data.length);
        }
        continue;
      }
      String name = cString(header, 0, 100);
      String prefix = "ustar".equals(cString(header, 257, 5)) ? cString(header, 345, 155) : "";
      String path = pax.getOrDefault("path", longName != null ? longName : prefix.isEmpty() ? name : prefix + "/" + name);
      String link = pax.getOrDefault("linkpath", longLink != null ? longLink : cString(header, 157, 100));
      long uid = pax.containsKey("uid") ? Long.parseLong(pax.get("uid")) : number(header, 108, 8);
      long gid = pax.containsKey("gid") ? Long.parseLong(pax.get("gid")) : number(header, 116, 8);
      long mtime = pax.containsKey("mtime") ? (long) Double.parseDouble(pax.get("mtime")) : number(header, 136, 12);
      int mode = (int) number(header, 100, 8);
      String normal = normalize(path);
      byte[] content = null;
      if (wantContent.test(normal)) {
        content = readContent(in, size);
      } else {
        skipContent(in, size);
      }
      visitor.accept(new Entry(normal, type, mode, uid, gid, mtime, link, content));
      pax.clear();
      longName = null;
      longLink = null;
    }
  }

  /** Without a leading "./" or "/" and a trailing "/": "usr/bin/kmod"; the root itself is "". */
  static String normalize(String path) {
    String p = path;
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return ".".equals(p) ? "" : p;
  }

  private static Map<String, String> paxRecords(byte[] data) {
    Map<String, String> records = new HashMap<>();
    int at = 0;
    while (at < data.length) {
      int space = indexOf(data, (byte) ' ', at);
      int length = Integer.parseInt(new String(data, at, space - at, StandardCharsets.US_ASCII));
      String record = new String(data, space + 1, length - (space + 1 - at) - 1, StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      records.put(record.substring(0, eq), record.substring(eq + 1));
      at += length;
    }
    return records;
  }

  private static int indexOf(byte[] data, byte b, int from) {
    for (int i = from; i < data.length; i++) {
      if (data[i] == b) {
        return i;
      }
    }
    throw new IllegalArgumentException("malformed PAX record at " + from);
  }

  private static long number(byte[] header, int offset, int length) {
    if ((header[offset] & 0x80) != 0) { // base-256, for values octal cannot hold
      long value = header[offset] & 0x7f;
      for (int i = 1; i < length; i++) {
        value = (value << 8) | (header[offset + i] & 0xff);
      }
      return value;
    }
    String octal = cString(header, offset, length).trim();
    return octal.isEmpty() ? 0 : Long.parseLong(octal, 8);
  }

  private static String cString(byte[] bytes, int offset, int length) {
    int end = offset;
    while (end < offset + length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean readBlock(InputStream in, byte[] block) throws IOException {
    int n = in.readNBytes(block, 0, BLOCK);
    if (n == 0) {
      return false;
    }
    if (n < BLOCK) {
      throw new EOFException("truncated tar header (" + n + " bytes)");
    }
    return true;
  }

  private static byte[] readContent(InputStream in, long size) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new EOFException("truncated tar member");
    }
    out.write(data);
    skipPadding(in, size);
    return out.toByteArray();
  }

  private static void skipContent(InputStream in, long size) throws IOException {
    in.skipNBytes(size);
    skipPadding(in, size);
  }

  private static void skipPadding(InputStream in, long size) throws IOException {
    long rest = size % BLOCK;
    if (rest != 0) {
      in.skipNBytes(BLOCK - rest);
    }
  }
}
