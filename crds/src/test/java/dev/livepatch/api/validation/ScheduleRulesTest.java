package dev.livepatch.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.livepatch.api.v1alpha1.LivePatchSpec;
import dev.livepatch.api.v1alpha1.MaintenanceWindow;
import dev.livepatch.api.v1alpha1.RolloutStep;
import dev.livepatch.api.v1alpha1.Weekday;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** spec.rollout's windows, steps and emergency: valid shapes pass, every bad input its own case with a message to act on. */
class ScheduleRulesTest {

    static LivePatchSpec withSchedule() {
        LivePatchSpec spec = LivePatchValidatorTest.validSpec();
        spec.getRollout().setWindows(new ArrayList<>(List.of(
                new MaintenanceWindow(new ArrayList<>(List.of(Weekday.Mon, Weekday.Tue, Weekday.Wed)), "02:00", "04:00", "Europe/Berlin"),
                new MaintenanceWindow(new ArrayList<>(List.of(Weekday.Sat)), "22:00", "06:00", "UTC"))));
        spec.getRollout().setSteps(new ArrayList<>(List.of(
                new RolloutStep(new IntOrString(1), "10m"), new RolloutStep(new IntOrString("10%"), "30m"), new RolloutStep(new IntOrString("100%"), null))));
        spec.getRollout().setEmergencyMaxConcurrent(new IntOrString(10));
        return spec;
    }

    @Test
    void windowsStepsAndAnEmergencyConcurrencyAreValid() {
        assertThat(LivePatchValidator.validate(withSchedule())).isEmpty();
    }

    @Test
    void aPercentageStepAfterACountIsNotComparedWithIt() {
        LivePatchSpec spec = withSchedule();
        spec.getRollout().getSteps().add(0, new RolloutStep(new IntOrString(50), "1m"));
        spec.getRollout().getSteps().remove(1);
        assertThat(LivePatchValidator.validate(spec)).isEmpty();
    }

    static Stream<Arguments> badSchedules() {
        return Stream.of(
                bad("day listed twice", s -> window(s).setDays(List.of(Weekday.Mon, Weekday.Mon)), "spec.rollout.windows[0].days", "Mon is listed twice"),
                bad("no days", s -> window(s).setDays(List.of()), "spec.rollout.windows[0].days", "name at least one day"),
                bad("start not HH:MM", s -> window(s).setStart("2am"), "spec.rollout.windows[0].start", "'2am' is not a time: use HH:MM"),
                bad("end 24:00", s -> window(s).setEnd("24:00"), "spec.rollout.windows[0].end", "'24:00' is not a time"),
                bad("start missing", s -> window(s).setStart(null), "spec.rollout.windows[0].start", "is required: HH:MM"),
                bad("start equals end", s -> window(s).setEnd("02:00"), "spec.rollout.windows[0].end", "equals start (02:00): an empty window never opens"),
                bad("unknown time zone", s -> window(s).setTimeZone("Mars/Olympus"), "spec.rollout.windows[0].timeZone", "'Mars/Olympus' is not an IANA time zone"),
                bad("fixed offset time zone", s -> window(s).setTimeZone("+02:00"), "spec.rollout.windows[0].timeZone", "fixed offsets"),
                bad("abbreviated time zone", s -> window(s).setTimeZone("CET"), "spec.rollout.windows[0].timeZone", "such as Europe/Berlin"),
                bad("17 windows", s -> {
                    for (int i = 0; i < 15; i++) s.getRollout().getWindows().add(window(s));
                }, "spec.rollout.windows", "at most 16 windows, got 17"),
                bad("step nodes as a numeric string", s -> step(s, 0).setNodes(new IntOrString("5")), "spec.rollout.steps[0].nodes", "integer or a percentage"),
                bad("step nodes 0", s -> step(s, 0).setNodes(new IntOrString(0)), "spec.rollout.steps[0].nodes", "at least 1, got 0"),
                bad("step nodes 0%", s -> step(s, 1).setNodes(new IntOrString("0%")), "spec.rollout.steps[1].nodes", "1% to 100%"),
                bad("step nodes 150%", s -> step(s, 2).setNodes(new IntOrString("150%")), "spec.rollout.steps[2].nodes", "1% to 100%"),
                bad("step nodes missing", s -> step(s, 0).setNodes(null), "spec.rollout.steps[0].nodes", "is required"),
                bad("step percentages not increasing", s -> step(s, 2).setNodes(new IntOrString("10%")), "spec.rollout.steps[2].nodes",
                        "must increase: 10% after 10%"),
                bad("step counts not increasing", s -> s.getRollout().getSteps().add(1, new RolloutStep(new IntOrString(1), null)),
                        "spec.rollout.steps[1].nodes", "must increase: 1 after 1"),
                bad("bake not a duration", s -> step(s, 0).setBake("10 minutes"), "spec.rollout.steps[0].bake", "'10 minutes' is not a duration"),
                bad("bake over 24h", s -> step(s, 0).setBake("25h"), "spec.rollout.steps[0].bake", "between 0s and 24h, got 25h"),
                bad("21 steps", s -> {
                    s.getRollout().getSteps().clear();
                    for (int i = 1; i <= 21; i++) s.getRollout().getSteps().add(new RolloutStep(new IntOrString(i), null));
                }, "spec.rollout.steps", "at most 20 steps, got 21"),
                bad("canaryNodes with steps", s -> s.getRollout().setCanaryNodes(2), "spec.rollout.canaryNodes", "set canaryNodes or steps, not both"),
                bad("emergency slower than the rollout", s -> {
                    s.getRollout().setMaxConcurrent(new IntOrString(5));
                    s.getRollout().setEmergency(true);
                    s.getRollout().setEmergencyMaxConcurrent(new IntOrString(2));
                }, "spec.rollout.emergencyMaxConcurrent", "at least maxConcurrent (5), got 2: an emergency roll-off is never slower"),
                bad("emergency concurrency 0", s -> s.getRollout().setEmergencyMaxConcurrent(new IntOrString(0)), "spec.rollout.emergencyMaxConcurrent",
                        "at least 1, got 0"),
                bad("emergency concurrency not a percentage", s -> s.getRollout().setEmergencyMaxConcurrent(new IntOrString("all")),
                        "spec.rollout.emergencyMaxConcurrent", "'all' must be an integer or a percentage"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSchedules")
    void rejects(Consumer<LivePatchSpec> breakIt, String field, String messageFragment) {
        LivePatchSpec spec = withSchedule();
        breakIt.accept(spec);

        assertThat(LivePatchValidator.validate(spec)).anySatisfy(v -> {
            assertThat(v.field()).isEqualTo(field);
            assertThat(v.message()).contains(messageFragment);
        });
    }

    private static MaintenanceWindow window(LivePatchSpec s) {
        return s.getRollout().getWindows().get(0);
    }

    private static RolloutStep step(LivePatchSpec s, int i) {
        return s.getRollout().getSteps().get(i);
    }

    private static Arguments bad(String name, Consumer<LivePatchSpec> breakIt, String field, String messageFragment) {
        return Arguments.of(Named.of(name, breakIt), field, messageFragment);
    }
}
