package dev.livepatch.daemon.converge;

import dev.livepatch.api.v1alpha1.ModuleState;
import dev.livepatch.api.v1alpha1.NodeLivePatchSpec;
import dev.livepatch.api.v1alpha1.NodeModule;
import dev.livepatch.api.v1alpha1.OnStall;
import dev.livepatch.daemon.restore.BootRestore;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.livepatch.daemon.converge.Statuses.module;
import static org.assertj.core.api.Assertions.assertThat;

/** Cases of the boot restore (docs/design.md §5 rule 15) that the model test found, on its NodeWorld. */
class BootRestoreCasesTest {
    /**
     * Found by the model test's restore property (seed 5671415534248860653): a replaceable module
     * converged below a pinned one of the same function (loaded first; the pinned one above wins, rule
     * 10). The restore loaded the set in the spec's order, so the replaceable module landed above the
     * pinned one, the kernel showed the overlap after the load and the restore reversed it: after the
     * reboot the node had lost that LivePatch's fix. The saved set keeps the stack, and the restore
     * loads in its order, each module once even when the restore is killed between the two loads.
     */
    @Test
    void aReplaceableModuleThatConvergedBelowAPinnedOneOfItsFunctionIsRestoredBelowItAgain() {
        try (NodeWorld w = new NodeWorld(true)) {
            w.settle(w.spec(List.of("lp_cum_v3"), OnStall.Revert), 20);
            NodeLivePatchSpec both = w.spec(List.of("lp_pin2", "lp_cum_v3"), OnStall.Revert);
            w.settle(both, 20);
            assertThat(w.stack()).containsExactly("lp_cum_v3", "lp_pin2");
            assertThat(w.records().lastConverged.spec.getModules()).extracting(NodeModule::getName).containsExactly("lp_pin2", "lp_cum_v3");
            w.reboot();
            int before = w.transitionsStarted();
            Map<String, Integer> loadsBefore = w.loads();

            w.crashAt(1, false); // loads lp_cum_v3, dies before lp_pin2's load
            assertThat(w.restore()).as("the first restore died").isNull();
            BootRestore.Outcome o = w.restore();

            assertThat(o.exitCode()).as(o.summary()).isZero();
            assertThat(module(o.status(), "lp_cum_v3").getState()).isEqualTo(ModuleState.Enabled);
            assertThat(w.stack()).as("the stack as it converged").containsExactly("lp_cum_v3", "lp_pin2");
            for (String m : List.of("lp_cum_v3", "lp_pin2")) {
                assertThat(w.loads().get(m) - loadsBefore.getOrDefault(m, 0)).as("%s loaded once across the restore's death", m).isEqualTo(1);
            }
            assertThat(w.transitionsStarted() - before).isEqualTo(2);

            w.restart();
            w.settle(both, 50);
            assertThat(w.transitionsStarted() - before).as("the daemon loads nothing again").isEqualTo(2);
        }
    }

    /**
     * Found by the model test's restore property: a load refused with EBUSY (retryable, its next try a
     * second later) on one boot, then a reboot: the restore left the module "Pending Retrying" behind
     * the last boot's back-off, so the node came up without it until the daemon ran.
     */
    @Test
    void aRetryableFailureOfTheLastBootDoesNotHoldTheRestoreBack() {
        try (NodeWorld w = new NodeWorld(false)) {
            NodeLivePatchSpec pinned = w.spec(List.of("lp_pin1"), OnStall.Revert);
            w.settle(pinned, 20);
            w.reboot();
            w.failNextLoad(dev.livepatch.daemon.kernel.Errno.EBUSY);
            w.slice(pinned);
            assertThat(w.records().failures.get("lp_pin1").retryable).as("the daemon's load on this boot was refused, to be retried").isTrue();
            w.stopFaults();
            w.reboot();

            BootRestore.Outcome o = w.restore();

            assertThat(o.exitCode()).as(o.summary()).isZero();
            assertThat(NodeWorld.settled(w.kernel())).containsExactly("lp_pin1");
        }
    }
}
