package dev.livepatch.operator.conflict;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClaimResolverTest {
    static ModuleClaim claim(String lp, ModuleClaim.Entry... entries) {
        return new ModuleClaim(lp, List.of(entries));
    }

    static ModuleClaim.Entry replaceable(String name) {
        return new ModuleClaim.Entry(name, true, false);
    }

    static ModuleClaim.Entry pinned(String name) {
        return new ModuleClaim.Entry(name, false, false);
    }

    static ModuleClaim.Entry atomic(String name) {
        return new ModuleClaim.Entry(name, true, true);
    }

    @Test
    void theOldestKeepsADuplicateName() {
        var out = ClaimResolver.resolve(List.of(claim("old", replaceable("a")), claim("new", pinned("a"))), Map.of());
        assertThat(out.get("old")).isInstanceOf(ClaimResolver.Outcome.Holds.class);
        assertThat(out.get("new")).isInstanceOf(ClaimResolver.Outcome.Conflict.class);
    }

    @Test
    void anAtomicReplaceModuleLeavesNoRoomForAnotherReplaceableOne() {
        var out = ClaimResolver.resolve(List.of(claim("old", atomic("cum")), claim("pin", pinned("p")), claim("rep", replaceable("r"))), Map.of());
        assertThat(out.get("pin")).isInstanceOf(ClaimResolver.Outcome.Holds.class);
        assertThat(out.get("rep")).isInstanceOf(ClaimResolver.Outcome.Conflict.class);
    }

    @Test
    void aLoserDoesNotBlockOthersAndTheHolderWaitsForItsEntriesToLeave() {
        ModuleClaim young = claim("young", replaceable("a"));
        var out = ClaimResolver.resolve(List.of(claim("old", replaceable("a")), young, claim("other", replaceable("b"))), Map.of("young", young));
        assertThat(out.get("old")).isInstanceOf(ClaimResolver.Outcome.Blocked.class);
        assertThat(out.get("other")).isInstanceOf(ClaimResolver.Outcome.Holds.class);
    }
}
