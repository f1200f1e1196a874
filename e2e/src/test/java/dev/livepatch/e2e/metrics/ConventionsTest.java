package dev.livepatch.e2e.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The exposition parser and the convention checks on texts made to break them, and the real linter on one. */
class ConventionsTest {
  private static final String GOOD = """
      # HELP a_seconds Time to do a
      # TYPE a_seconds histogram
      a_seconds_bucket{k="x",le="0.5"} 1
      a_seconds_bucket{k="x",le="+Inf"} 2
      a_seconds_count{k="x"} 2
      a_seconds_sum{k="x"} 1.5
      # HELP b_total Bs done
      # TYPE b_total counter
      b_total{v="a \\"quoted\\" \\\\ value"} 3.0
      """;

  @Test
  void aWellFormedScrapeHasNoProblem() {
    Exposition e = Exposition.parse(GOOD);
    assertThat(Conventions.problems(e)).isEmpty();
    assertThat(e.value("b_total", java.util.Map.of())).isEqualTo(3);
    assertThat(e.family("b_total").orElseThrow().samples().get(0).labels()).containsEntry("v", "a \"quoted\" \\ value");
    assertThat(e.sampleNames()).containsExactly("a_seconds_bucket", "a_seconds_count", "a_seconds_sum", "b_total");
  }

  @Test
  void eachBrokenConventionIsReported() {
    String bad = """
        # TYPE c counter
        c 1
        # HELP d_total A gauge
        # TYPE d_total gauge
        d_total 1
        # HELP e_milliseconds Time
        # TYPE e_milliseconds gauge
        e_milliseconds 3
        # HELP f_seconds Time
        # TYPE f_seconds histogram
        f_seconds_bucket{le="1.0"} 2
        f_seconds_bucket{le="2.0"} 1
        f_seconds_count 2
        # HELP g Things
        # TYPE g histogram
        g_bucket{le="+Inf"} 1
        g_count 2
        g_sum 1
        """;
    assertThat(String.join("\n", Conventions.problems(Exposition.parse(bad))))
        .contains("c: no # HELP text")
        .contains("c: a counter whose name does not end in _total")
        .contains("d_total: a gauge whose name ends in _total")
        .contains("e_milliseconds: unit 'milliseconds' is not a base unit")
        .contains("f_seconds{}: bucket le=2.0 holds fewer than the one below it")
        .contains("f_seconds{}: no le=\"+Inf\" bucket")
        .contains("f_seconds{}: no _sum")
        .contains("g: a histogram whose name does not end in its base unit")
        .contains("g{}: the +Inf bucket (1.0) differs from _count (2.0)");
  }

  @Test
  void aLineThatIsNotExpositionFailsTheParseWithItsNumber() {
    assertThatThrownBy(() -> Exposition.parse("# TYPE x gauge\nx{a=1} 2\n")).hasMessageContaining("line 2");
  }

  @Test
  void prometheusLinterReportsWhatItChecksAndPassesAGoodScrape() {
    assertThat(Promlint.problems(GOOD)).isEmpty();
    assertThat(Promlint.problems("# HELP h_ms x\n# TYPE h_ms counter\nh_ms 1\n"))
        .contains("h_ms\tcounter metrics should have \"_total\" suffix", "h_ms\tmetric names should not contain abbreviated units");
  }
}
