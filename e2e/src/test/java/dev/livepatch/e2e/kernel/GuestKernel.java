package dev.livepatch.e2e.kernel;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One kernel of the real-kernel tier's matrix: a Debian suite's pinned kernel, and what that
 * kernel is measured to have (docs/design.md §4.1, "per kernel"). The tests assert these facts on
 * the booted kernel; the daemon never assumes them by version, it probes.
 *
 * <p>The matrix is every suite of {@link #SUITES}, or those named by {@code -Dlivepatch.kernels=}
 * (comma-separated, e.g. {@code sid} or {@code bookworm,trixie}) for a run of fewer kernels.
 *
 * @param suite {@code bookworm} (6.1), {@code trixie} (6.12) or {@code sid} (7.2)
 * @param release the pinned release {@code prepare.sh} prints, the guest's {@code uname -r}
 */
public record GuestKernel(String suite, String release) {

  /** Oldest first. */
  public static final List<String> SUITES = List.of("bookworm", "trixie", "sid");
  static final String PROPERTY = "livepatch.kernels";

  /** The kernels of this run, oldest first; names the release without preparing the kernel. */
  public static Stream<GuestKernel> each() {
    String selected = System.getProperty(PROPERTY, "");
    List<String> suites = selected.isBlank() ? SUITES
        : Arrays.stream(selected.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    for (String s : suites) {
      if (!SUITES.contains(s)) {
        throw new IllegalArgumentException("-D" + PROPERTY + " names " + s + "; the suites are " + SUITES);
      }
    }
    return suites.stream().map(s -> new GuestKernel(s, KernelImage.pinnedRelease(s)));
  }

  /** The first and the last kernel of {@link #each()} (6.1 and 7.2 with every suite selected). */
  public static Stream<GuestKernel> oldestAndNewest() {
    List<GuestKernel> all = each().toList();
    return all.isEmpty() ? Stream.empty() : Stream.of(all.get(0), all.get(all.size() - 1)).distinct();
  }

  /** This kernel's image, prepared on first use. */
  public KernelImage image() {
    return KernelImage.prepare(suite);
  }

  /** A VM of this kernel whose shared directory is {@code e2e/target/kernel-vm/<release>/<name>}. */
  public KernelVm vm(String name) {
    return KernelVm.create(image(), name);
  }

  /**
   * The attributes of a patch's sysfs directory: {@code replace} since 6.11, {@code stack_order}
   * since 6.14; never the hybrid proposal's {@code replaceable} on these stock kernels.
   */
  public Set<String> patchAttributes() {
    return switch (suite) {
      case "bookworm" -> Set.of("enabled", "force", "transition", "vmlinux");
      case "trixie" -> Set.of("enabled", "force", "transition", "vmlinux", "replace");
      default -> Set.of("enabled", "force", "transition", "vmlinux", "replace", "stack_order");
    };
  }

  public boolean hasReplaceAttribute() {
    return patchAttributes().contains("replace");
  }

  public boolean hasStackOrder() {
    return patchAttributes().contains("stack_order");
  }

  /**
   * Whether the kernel loads a module whose vermagic differs only in the release: with
   * CONFIG_MODVERSIONS (bookworm, trixie) it compares only what follows the release; sid's 7.2 is
   * built without it and compares the whole string.
   */
  public boolean loadsAForeignReleaseVermagic() {
    return !suite.equals("sid");
  }

  /** The release as the vermagic-release copy of a test module carries it ("5" for the first digit). */
  public String foreignRelease() {
    return "5" + release.substring(1);
  }

  @Override
  public String toString() {
    return release + " (" + suite + ")";
  }
}
