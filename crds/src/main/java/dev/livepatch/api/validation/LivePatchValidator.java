package dev.livepatch.api.validation;

import dev.livepatch.api.v1alpha1.LivePatchSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every rule of a LivePatch spec (docs/design.md §3.1), in one place. The CRD schema enforces most of them
 * at admission; the operator calls this again because objects can predate a schema change, the
 * schema can be bypassed (a CRD installed without validation, a mock server), and some rules
 * (URL syntax, label selector semantics) a schema cannot express. Returns every violation, not
 * just the first, so a user fixes them in one go.
 *
 * <p>The rules live by section of the spec: {@link SelectorRules} ({@code nodeSelector}),
 * {@link ModuleRules} ({@code modules}, with {@link SourceRules} for each module's source) and
 * {@link RolloutRules} ({@code rollout}) and {@link HealthGateRules} ({@code healthGates}).
 */
public final class LivePatchValidator {
    private LivePatchValidator() {}

    /** All violations of the spec; empty when it is valid. */
    public static List<Violation> validate(LivePatchSpec spec) {
        List<Violation> out = new ArrayList<>();
        if (spec == null) {
            out.add(new Violation("spec", "is required"));
            return out;
        }
        SelectorRules.validate(spec.getNodeSelector(), out);
        ModuleRules.validate(spec.getModules(), out);
        RolloutRules.validate(spec.getRollout(), out);
        HealthGateRules.validate(spec.getHealthGates(), out);
        return Collections.unmodifiableList(out);
    }
}
