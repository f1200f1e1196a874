package dev.livepatch.e2e.gitops;

import dev.livepatch.fixtures.controlplane.RepositoryLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The table in docs/gitops.md that says what Argo CD and Flux make of each LivePatch status. A row
 * is found by how its first cell begins (such as {@code phase `Stalled`}); the other cells are read
 * as a user reads them: emphasis dropped, a trailing "(see below)" dropped.
 */
public final class StatusTable {
  private static final String DOC = "docs/gitops.md";
  private static final String HEADER = "| LivePatch status | meaning | Argo CD health | Flux (kstatus) |";

  /** One row: its first cell, the Argo CD health and kstatus status the doc promises. */
  public record Row(String status, String argoCd, String flux) {}

  private final List<Row> rows;

  private StatusTable(List<Row> rows) {
    this.rows = rows;
  }

  public static StatusTable fromDocs() {
    Path doc = RepositoryLayout.root().resolve(DOC);
    List<String> lines;
    try {
      lines = Files.readAllLines(doc);
    } catch (IOException e) {
      throw new UncheckedIOException("failed to read " + doc + ": " + e.getMessage(), e);
    }
    int header = lines.indexOf(HEADER);
    if (header < 0) {
      throw new IllegalStateException(DOC + " has no status table (no line '" + HEADER + "')");
    }
    List<Row> rows = new ArrayList<>();
    for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String[] cells = lines.get(i).split("\\|");
      if (cells.length != 5) {
        throw new IllegalStateException(DOC + " line " + (i + 1) + " has " + (cells.length - 1) + " cells, the table 4: " + lines.get(i));
      }
      rows.add(new Row(cells[1].strip(), plain(cells[3]), plain(cells[4])));
    }
    return new StatusTable(List.copyOf(rows));
  }

  public List<Row> rows() {
    return rows;
  }

  /** The one row whose first cell begins with {@code statusPrefix}. */
  public Row row(String statusPrefix) {
    List<Row> matching = rows.stream().filter(r -> r.status().startsWith(statusPrefix)).toList();
    if (matching.size() != 1) {
      throw new IllegalStateException(DOC + "'s status table has " + matching.size() + " rows beginning with '" + statusPrefix + "': " + matching);
    }
    return matching.get(0);
  }

  private static String plain(String cell) {
    return cell.replace("**", "").replace("(see below)", "").strip();
  }
}
