package dev.attnc.cli.bench;

import dev.attnc.kernel.Sizes;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * {@code --png OUT}: GFLOP/s (TFLOP/s on GPUs) at the median time, grouped bars: one group per
 * variant (and shape, labelled by what differs between the shapes), one bar per contender, the
 * value written on each bar. attnc is always the first, dark bar. Drawn headless with XChart.
 */
public final class BenchChart {
    /** attnc dark blue, the handwritten kernel amber, peers in greys and greens. */
    private static final Color[] COLORS = {new Color(0x1E3A8A), new Color(0xF59E0B), new Color(0x10B981), new Color(0x6B7280),
        new Color(0x8B5CF6), new Color(0xEF4444), new Color(0x0EA5E9)};

    private BenchChart() {}

    public static CategoryChart chart(BenchReport r) {
        boolean tera = Units.tera(r.rows());
        List<Sizes> shapes = r.rows().stream().map(Measurement::sizes).distinct().toList();
        Map<String, List<Measurement>> groups = BenchTable.groups(r.rows());
        List<String> categories = new ArrayList<>();
        Set<String> contenders = new LinkedHashSet<>();
        for (List<Measurement> g : groups.values()) {
            Measurement first = g.getFirst();
            String label = Shapes.label(first.sizes(), shapes);
            categories.add(label.isEmpty() ? first.variant() : first.variant() + " " + label);
            for (Measurement m : g) contenders.add(m.contender());
        }
        int longest = categories.stream().mapToInt(String::length).max().orElse(10);
        int perCategory = Math.max(60 + 34 * contenders.size(), 8 * longest + 24); // room for the bars and the label
        int width = Math.max(900, 120 + categories.size() * perCategory);
        CategoryChart c = new CategoryChartBuilder().width(width).height(560)
                .title("attnc bench: " + r.target() + " on " + shortDevice(r.device()) + ", " + r.dtype())
                .xAxisTitle("variant").yAxisTitle((tera ? "TFLOP/s" : "GFLOP/s") + " at the median (4·D per kept pair; higher is better)")
                .build();
        var st = c.getStyler();
        st.setChartBackgroundColor(Color.WHITE).setPlotBackgroundColor(Color.WHITE).setPlotBorderVisible(false);
        st.setPlotGridLinesColor(new Color(0xE5E7EB)).setPlotGridVerticalLinesVisible(false);
        st.setAxisTickMarksColor(new Color(0x9CA3AF)).setAxisTickLabelsColor(new Color(0x1F2937));
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15)).setChartTitleBoxVisible(false);
        st.setLegendPosition(Styler.LegendPosition.OutsideS).setLegendLayout(Styler.LegendLayout.Horizontal);
        st.setLegendBorderColor(Color.WHITE);
        st.setSeriesColors(COLORS);
        st.setAvailableSpaceFill(0.8).setOverlapped(false);
        st.setLabelsVisible(true).setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11)).setLabelsPosition(1.0)
                .setLabelsFontColorAutomaticEnabled(true); // white on dark bars, dark on light ones
        double top = r.rows().stream().mapToDouble(m -> Units.value(m.gflops(), tera)).filter(Double::isFinite).max().orElse(0);
        st.setYAxisDecimalPattern(top < 100 ? "#,##0.#" : "#,##0"); // also the labels on the bars
        st.setYAxisMin(0.0);
        st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        st.setPlotGridLinesStroke(new BasicStroke(1f));
        st.setToolTipsEnabled(false);
        for (String who : contenders) {
            List<Number> ys = new ArrayList<>();
            for (List<Measurement> g : groups.values()) {
                Measurement m = g.stream().filter(x -> x.contender().equals(who)).findFirst().orElse(null);
                double v = m == null ? Double.NaN : Units.value(m.gflops(), tera);
                ys.add(Double.isFinite(v) ? v : null); // no bar (and no label) where it did not run
            }
            c.addSeries(who, categories, ys);
        }
        return c;
    }

    /** A long device name without the driver's details in parentheses (PoCL's name runs to a line). */
    static String shortDevice(String device) {
        if (device.length() <= 60) return device;
        int paren = device.indexOf(" (");
        String d = paren > 0 ? device.substring(0, paren) : device;
        return d.length() > 60 ? d.substring(0, 57) + "..." : d;
    }

    public static void write(BenchReport r, Path out) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        String name = out.toString();
        String base = name.toLowerCase().endsWith(".png") ? name.substring(0, name.length() - 4) : name;
        BitmapEncoder.saveBitmap(chart(r), base, BitmapEncoder.BitmapFormat.PNG);
    }

    /** For tests: the categories and series of a report's chart, without drawing it. */
    static Map<String, List<Number>> series(BenchReport r) {
        Map<String, List<Number>> m = new LinkedHashMap<>();
        chart(r).getSeriesMap().forEach((k, s) -> m.put(k, new ArrayList<>(s.getYData())));
        return m;
    }
}
