package dev.livepatch.operator.write;

/** One Kubernetes Event to record on a LivePatch. */
public record EventNote(boolean warning, String reason, String message) {
    public static EventNote normal(String reason, String message) {
        return new EventNote(false, reason, message);
    }

    public static EventNote warning(String reason, String message) {
        return new EventNote(true, reason, message);
    }

    public String type() {
        return warning ? "Warning" : "Normal";
    }
}
