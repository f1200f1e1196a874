package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.NodeReasons;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.daemon.restore.BootRestore;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.livepatch.daemon.converge.Statuses.module;
import static org.assertj.core.api.Assertions.assertThat;

/** Cases of the boot restore (docs/design.md §5 rule 15) that the model test found, on its NodeWorld. */
class BootRestoreCasesTest {
    /**
     * Found by the model test's restore property (seed 5671415534248860653): a replaceable module
     * converged below a pinned one of the same function (loaded first; the pinned one above wins, rule
     * 10). After the reboot the restore loads the set in its order, so the replaceable module lands
     * above the pinned one; its file cannot tell its functions, so the kernel tells after the load and
     * the restore reverses it (FunctionOverlap). That load is one transition, the reversal none; the
     * restore killed between the load and its reversal reverses it on its second run, never loads again.
     */
    @Test
    void aReplaceableModuleThatConvergedBelowAPinnedOneOfItsFunctionIsLoadedOnceAndReversed() {
        try (NodeWorld w = new NodeWorld(true)) {
            w.settle(w.spec(List.of("lp_cum_v3"), OnStall.Revert), 20);
            NodeLivePatchSpec both = w.spec(List.of("lp_pin2", "lp_cum_v3"), OnStall.Revert);
            w.settle(both, 20);
            assertThat(w.stack()).containsExactly("lp_cum_v3", "lp_pin2");
            assertThat(w.records().lastConverged.spec.getModules()).extracting(NodeModule::getName).containsExactly("lp_pin2", "lp_cum_v3");
            w.reboot();
            int before = w.transitionsStarted();
            Integer loadsBefore = w.loads().get("lp_cum_v3");

            w.crashAt(2, false); // loads lp_pin2 and lp_cum_v3, dies at the reversing write
            assertThat(w.restore()).as("the first restore died").isNull();
            assertThat(w.kernel().inTransition().orElseThrow().name()).isEqualTo("lp_cum_v3");
            BootRestore.Outcome o = w.restore();

            assertThat(o.exitCode()).as(o.summary()).isEqualTo(3);
            assertThat(module(o.status(), "lp_cum_v3").getState()).isEqualTo(ModuleState.Failed);
            assertThat(module(o.status(), "lp_cum_v3").getReason()).isEqualTo(NodeReasons.FUNCTION_OVERLAP);
            assertThat(NodeWorld.settled(w.kernel())).containsExactly("lp_pin2");
            assertThat(w.kernel().patch("lp_cum_v3")).as("reversed: its patch is gone").isEmpty();
            assertThat(w.loads().get("lp_cum_v3") - loadsBefore).as("lp_cum_v3 loaded once across the restore's death").isEqualTo(1);
            assertThat(w.transitionsStarted() - before).as("lp_pin2's load and lp_cum_v3's; the reversal starts none").isEqualTo(2);

            w.restart();
            w.settle(both, 50);
            assertThat(w.transitionsStarted() - before).as("the daemon loads nothing again").isEqualTo(2);
        }
    }
}
