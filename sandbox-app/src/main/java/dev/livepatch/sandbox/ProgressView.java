package dev.livepatch.sandbox;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.LivePatchStatus;
import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.ModuleStatus;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.PatchModule;
import dev.livepatch.fixtures.fleet.SimFleet;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Shows a rollout's progress: one symbol per node and the LivePatch's counts. On a terminal it
 * redraws a progress bar and the node map in place; otherwise it prints a plain line whenever
 * something changed (logs, CI).
 */
final class ProgressView {
  static final String LEGEND = "nodes: '#' updated  '~' in progress  '!' stalled  'x' failed  '.' pending";
  private static final int MAP_WIDTH = 50;
  private static final int BAR_WIDTH = 30;

  private final PrintStream out;
  private final boolean live;
  private int drawnLines;
  private String lastPlain;

  ProgressView(PrintStream out, boolean live) {
    this.out = out;
    this.live = live;
  }

  /** One node's state for the LivePatch's current modules, as docs/node-contract.md reads it. */
  static char symbol(LivePatch lp, NodeLivePatch nlp) {
    if (nlp == null || nlp.getSpec() == null) {
      return '.';
    }
    String name = lp.getMetadata().getName();
    Set<String> wanted = lp.getSpec().getModules().stream().map(PatchModule::getName).collect(Collectors.toSet());
    Set<String> given = nlp.getSpec().getModules().stream().filter(m -> name.equals(m.getLivePatch())).map(NodeModule::getName)
        .collect(Collectors.toSet());
    if (given.isEmpty() || !given.equals(wanted)) {
      return '.';
    }
    Map<String, ModuleState> states = new HashMap<>();
    if (nlp.getStatus() != null) {
      for (ModuleStatus m : nlp.getStatus().getModules()) {
        states.put(m.getName(), m.getState());
      }
    }
    if (given.stream().anyMatch(m -> states.get(m) == ModuleState.Failed)) {
      return 'x';
    }
    if (given.stream().anyMatch(m -> states.get(m) == ModuleState.Stalled)) {
      return '!';
    }
    boolean current = nlp.getStatus() != null && Objects.equals(nlp.getStatus().getObservedGeneration(), nlp.getMetadata().getGeneration());
    return current && given.stream().allMatch(m -> states.get(m) == ModuleState.Enabled) ? '#' : '~';
  }

  void show(LivePatch lp, SimFleet fleet, String stage) {
    List<String> names = fleet.names();
    StringBuilder map = new StringBuilder();
    for (String n : names) {
      map.append(symbol(lp, fleet.nodeLivePatch(n)));
    }
    LivePatchStatus s = lp.getStatus();
    boolean current = s != null && Objects.equals(s.getObservedGeneration(), lp.getMetadata().getGeneration());
    String phase = current && s.getPhase() != null ? s.getPhase().name() : "Pending";
    int updated = (int) map.chars().filter(c -> c == '#').count();
    String counts = String.format("%s: %s, %d/%d updated, %d in progress, %d stalled, %d failed, kernels in transition: %d",
        stage, phase, updated, names.size(), count(map, '~'), count(map, '!'), count(map, 'x'), fleet.kernelsInTransition());
    String slowed = current && s.getPacing() != null && s.getPacing().getReason() != null ? "pacing slowed: " + s.getPacing().getReason() : null;
    String schedule = current ? StagedRollout.describe(s) : null;
    String pacing = slowed == null ? schedule : schedule == null ? slowed : schedule + "; " + slowed;
    if (live) {
      List<String> lines = new java.util.ArrayList<>();
      int filled = names.isEmpty() ? 0 : updated * BAR_WIDTH / names.size();
      lines.add(String.format("[%s%s] %3d%%  %s", "=".repeat(filled), " ".repeat(BAR_WIDTH - filled),
          names.isEmpty() ? 0 : updated * 100 / names.size(), counts));
      for (int i = 0; i < map.length(); i += MAP_WIDTH) {
        lines.add("  " + map.substring(i, Math.min(map.length(), i + MAP_WIDTH)));
      }
      lines.add(pacing == null ? "" : "  " + pacing);
      redraw(lines);
    } else {
      String line = counts + "  [" + map + "]" + (pacing == null ? "" : "  " + pacing);
      if (!line.equals(lastPlain)) {
        out.println(line);
        lastPlain = line;
      }
    }
  }

  /** Ends the live area so that the next output starts below it. */
  void finish() {
    drawnLines = 0;
    lastPlain = null;
  }

  private void redraw(List<String> lines) {
    StringBuilder b = new StringBuilder();
    if (drawnLines > 0) {
      b.append("\033[").append(drawnLines).append('A');
    }
    for (String l : lines) {
      b.append("\r\033[2K").append(l).append('\n');
    }
    out.print(b);
    out.flush();
    drawnLines = lines.size();
  }

  private static long count(CharSequence map, char c) {
    return map.chars().filter(x -> x == c).count();
  }
}
