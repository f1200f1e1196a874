package dev.livepatch.api.build;

import dev.livepatch.api.v1alpha1.LivePatch;
import dev.livepatch.api.v1alpha1.NodeLivePatch;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Build step, run in process-classes right after Fabric8's CRD generator: puts each CRD's
 * additionalPrinterColumns in the order the {@link AdditionalPrinterColumn} annotations are
 * declared on the Java type. kubectl prints columns in CRD order, and the generator sorts them by
 * JSON path (it has no order setting: fabric8io/kubernetes-client#7454), which would print Age
 * first. Only the column items are moved; every other byte of the generated file stays as is.
 * Not part of the API jar.
 */
public final class PrinterColumnOrder {
    private static final String COLUMNS = "  - additionalPrinterColumns:";
    private static final String ITEM = "    - ";
    private static final String ITEM_BODY = "      ";
    private static final List<Class<? extends CustomResource<?, ?>>> TYPES = List.of(LivePatch.class, NodeLivePatch.class);

    private PrinterColumnOrder() {}

    /** {@code args[0]}: the directory the CRD generator wrote to. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        for (Class<? extends CustomResource<?, ?>> type : TYPES) {
            Path file = dir.resolve(type.getAnnotation(Plural.class).value() + "." + type.getAnnotation(Group.class).value() + "-v1.yml");
            List<String> declared = Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class)).map(AdditionalPrinterColumn::name).toList();
            Files.write(file, reorder(Files.readAllLines(file), declared, file));
        }
    }

    static List<String> reorder(List<String> lines, List<String> declared, Path file) {
        int start = lines.indexOf(COLUMNS);
        if (start < 0) {
            throw new IllegalStateException("failed to order printer columns in " + file + ": no '" + COLUMNS.strip() + "' line");
        }
        List<List<String>> items = new ArrayList<>();
        int end = start + 1;
        for (; end < lines.size() && (lines.get(end).startsWith(ITEM) || lines.get(end).startsWith(ITEM_BODY)); end++) {
            if (lines.get(end).startsWith(ITEM)) {
                items.add(new ArrayList<>());
            }
            items.get(items.size() - 1).add(lines.get(end));
        }
        if (items.size() != declared.size()) {
            throw new IllegalStateException("failed to order printer columns in " + file + ": found " + items.size()
                    + " columns, the type declares " + declared.size());
        }
        items.sort(Comparator.comparingInt(item -> position(item, declared, file)));
        List<String> out = new ArrayList<>(lines.subList(0, start + 1));
        items.forEach(out::addAll);
        out.addAll(lines.subList(end, lines.size()));
        return out;
    }

    private static int position(List<String> item, List<String> declared, Path file) {
        String name = item.stream().map(String::strip).filter(l -> l.startsWith("name: \"") || l.startsWith("- name: \""))
                .map(l -> l.substring(l.indexOf('"') + 1, l.lastIndexOf('"'))).findFirst()
                .orElseThrow(() -> new IllegalStateException("failed to order printer columns in " + file + ": a column without a name"));
        int i = declared.indexOf(name);
        if (i < 0) {
            throw new IllegalStateException("failed to order printer columns in " + file + ": column '" + name + "' is not declared on the type");
        }
        return i;
    }
}
