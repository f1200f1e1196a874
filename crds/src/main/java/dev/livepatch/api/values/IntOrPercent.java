package dev.livepatch.api.values;

import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An {@link IntOrString} that holds either a count or a percentage from 1% to 100%. */
public final class IntOrPercent {
    private static final Pattern PERCENT = Pattern.compile("^([1-9][0-9]?|100)%$");

    private final Integer count;
    private final Integer percent;

    private IntOrPercent(Integer count, Integer percent) {
        this.count = count;
        this.percent = percent;
    }

    /** Empty when the value is neither an integer nor a percentage from 1% to 100%. */
    public static Optional<IntOrPercent> parse(IntOrString value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.getIntVal() != null) {
            return Optional.of(new IntOrPercent(value.getIntVal(), null));
        }
        String text = value.getStrVal();
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = PERCENT.matcher(text);
        return m.matches() ? Optional.of(new IntOrPercent(null, Integer.parseInt(m.group(1)))) : Optional.empty();
    }

    public boolean isPercent() { return percent != null; }

    /** The count itself, or the percentage of {@code total}; percentages round up (Kubernetes' maxSurge rule). */
    public int resolveRoundingUp(int total) {
        return count != null ? count : (int) Math.ceil(total * percent / 100.0);
    }

    /** The count itself, or the percentage of {@code total}; percentages round down (Kubernetes' maxUnavailable rule). */
    public int resolveRoundingDown(int total) {
        return count != null ? count : (int) Math.floor(total * percent / 100.0);
    }

    /** The count, when this is not a percentage. */
    public OptionalInt count() {
        return count != null ? OptionalInt.of(count) : OptionalInt.empty();
    }
}
