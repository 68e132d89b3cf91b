package dev.attnc.cli.mask;

import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.TileKind;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * The plan of one slot as a PNG: the (q, kv) plane with q down and kv across, each tile colored
 * by kind (FULL dark, PARTIAL amber, EMPTY light), a title, axis ticks and a legend with counts.
 * For problems up to {@value #PAIRS_UP_TO} a side it also draws every pair inside the PARTIAL
 * tiles (kept dark amber, dropped light), so one sees both the mask and where mask code runs. Larger
 * grids are shrunk, each pixel block blending the kinds of the tiles it stands for.
 */
public final class MaskPng {
    /** Whether one pair is kept, to draw the pairs of PARTIAL tiles. */
    public interface Pairs {
        boolean kept(int q, int kv);
    }

    static final int PLOT = 720, PAIRS_UP_TO = 512;
    private static final int LEFT = 84, TOP = 112, RIGHT = 40, BOTTOM = 76, MIN_WIDTH = 760;
    static final Color FULL = new Color(0x1E3A8A), PARTIAL = new Color(0xF59E0B), EMPTY = new Color(0xEEF1F6);
    /** Inside PARTIAL tiles: kept pairs dark amber (not FULL's blue, so one sees where mask code runs), dropped ones light. */
    static final Color KEPT = new Color(0xB45309), DROPPED = new Color(0xFDE3A7);
    static final Color INK = new Color(0x1F2937), MUTED = new Color(0x6B7280);

    private MaskPng() {}

    /** Draws the plan; {@code pairs} may be null, and is used only when both lengths are at most {@value #PAIRS_UP_TO}. */
    public static BufferedImage render(String title, BlockPlan plan, int slot, int qLen, int kvLen, Pairs pairs) {
        boolean drawPairs = pairs != null && qLen <= PAIRS_UP_TO && kvLen <= PAIRS_UP_TO;
        // pixels per position: whole pixels when pairs are drawn, so every pair is a crisp square
        double scale = drawPairs ? Math.max(1, PLOT / Math.max(qLen, kvLen)) : (double) PLOT / Math.max(qLen, kvLen);
        int plotW = (int) Math.round(kvLen * scale), plotH = (int) Math.round(qLen * scale);
        int width = Math.max(MIN_WIDTH, LEFT + plotW + RIGHT), height = TOP + plotH + BOTTOM;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.translate(LEFT, TOP);
        int factor = 1;
        if (drawPairs) {
            drawPairs(g, plan, slot, qLen, kvLen, scale, pairs);
        } else {
            TileCells cells = TileCells.of(plan, slot, PLOT);
            drawCells(g, plan, cells, qLen, kvLen, scale);
            factor = cells.factor;
        }
        drawTileLines(g, plan, qLen, kvLen, scale, plotW, plotH);
        g.setColor(MUTED);
        g.setStroke(new BasicStroke(1));
        g.drawRect(-1, -1, plotW + 1, plotH + 1);
        drawAxes(g, plan, qLen, kvLen, scale);
        g.translate(-LEFT, -TOP);
        drawTitle(g, title, plan, qLen, kvLen);
        drawLegend(g, plan, slot, height - BOTTOM + 34, drawPairs, factor);
        g.dispose();
        return img;
    }

    public static void write(Path out, BufferedImage img) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (!ImageIO.write(img, "png", out.toFile())) throw new IOException("no PNG writer in this JDK");
    }

    private static void drawPairs(Graphics2D g, BlockPlan plan, int slot, int qLen, int kvLen, double scale, Pairs pairs) {
        int p = (int) scale;
        for (int q = 0; q < qLen; q++) {
            for (int kv = 0; kv < kvLen; kv++) {
                TileKind kind = plan.kind(slot, q / plan.blockM, kv / plan.blockN);
                g.setColor(switch (kind) {
                    case FULL -> FULL;
                    case EMPTY -> EMPTY;
                    case PARTIAL -> pairs.kept(q, kv) ? KEPT : DROPPED;
                });
                g.fillRect(kv * p, q * p, p, p);
            }
        }
    }

    /** Each cell a rectangle over the positions of its tiles, its color the blend of their kinds. */
    private static void drawCells(Graphics2D g, BlockPlan plan, TileCells cells, int qLen, int kvLen, double scale) {
        int rowSpan = cells.factor * plan.blockM, colSpan = cells.factor * plan.blockN;
        for (int r = 0; r < cells.rows; r++) {
            int y0 = px(r * (long) rowSpan, scale), y1 = px(Math.min(qLen, (r + 1) * (long) rowSpan), scale);
            for (int c = 0; c < cells.cols; c++) {
                int x0 = px(c * (long) colSpan, scale), x1 = px(Math.min(kvLen, (c + 1) * (long) colSpan), scale);
                g.setColor(blend(cells, r, c));
                g.fillRect(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0));
            }
        }
    }

    private static Color blend(TileCells cells, int r, int c) {
        double red = 0, green = 0, blue = 0, n = 0;
        for (TileKind k : TileKind.values()) {
            int count = cells.count(r, c, k);
            Color color = switch (k) {
                case FULL -> FULL;
                case PARTIAL -> PARTIAL;
                case EMPTY -> EMPTY;
            };
            red += count * color.getRed();
            green += count * color.getGreen();
            blue += count * color.getBlue();
            n += count;
        }
        return new Color((int) Math.round(red / n), (int) Math.round(green / n), (int) Math.round(blue / n));
    }

    /** Thin white lines between tiles, where tiles are big enough for lines not to drown them. */
    private static void drawTileLines(Graphics2D g, BlockPlan plan, int qLen, int kvLen, double scale, int plotW, int plotH) {
        if (plan.blockM * scale < 8 || plan.blockN * scale < 8) return;
        g.setColor(new Color(255, 255, 255, 170));
        for (int q = plan.blockM; q < qLen; q += plan.blockM) g.drawLine(0, px(q, scale), plotW - 1, px(q, scale));
        for (int kv = plan.blockN; kv < kvLen; kv += plan.blockN) g.drawLine(px(kv, scale), 0, px(kv, scale), plotH - 1);
    }

    private static void drawAxes(Graphics2D g, BlockPlan plan, int qLen, int kvLen, double scale) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(MUTED);
        int kvStep = step(kvLen, plan.blockN), qStep = step(qLen, plan.blockM);
        for (int kv = 0; kv <= kvLen; kv += kvStep) {
            int x = px(kv, scale);
            g.drawLine(x, -6, x, -2);
            String label = number(kv);
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, -10);
        }
        for (int q = 0; q <= qLen; q += qStep) {
            int y = px(q, scale);
            g.drawLine(-6, y, -2, y);
            String label = number(q);
            g.drawString(label, -10 - g.getFontMetrics().stringWidth(label), y + 4);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.setColor(INK);
        g.drawString("kv →", 0, -28);
        g.drawString("q ↓", -LEFT + 12, -28);
    }

    /** A tick step that is a tile multiple and a power of two of it, for at most about 8 ticks. */
    private static int step(int length, int block) {
        long s = block;
        while (length / s > 8) s *= 2;
        return (int) s;
    }

    private static void drawTitle(Graphics2D g, String title, BlockPlan plan, int qLen, int kvLen) {
        g.setColor(INK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        g.drawString(title, 20, 32);
        g.setColor(MUTED);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(String.format("Q_LEN %s × KV_LEN %s · %d × %d tiles of %d × %d · planned by %s", number(qLen), number(kvLen),
                plan.qTiles, plan.kvTiles, plan.blockM, plan.blockN, plan.method), 20, 54);
    }

    private static void drawLegend(Graphics2D g, BlockPlan plan, int slot, int y, boolean pairs, int factor) {
        long[] n = plan.counts(slot);
        double total = n[0] + n[1] + n[2];
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int x = 20;
        x = legendItem(g, x, y, FULL, null, "full " + n[1] + " (" + MaskText.share(n[1], total) + ")");
        x = legendItem(g, x, y, pairs ? KEPT : PARTIAL, pairs ? DROPPED : null, "partial " + n[2] + " (" + MaskText.share(n[2], total) + ")"
                + (pairs ? ": kept pairs dark, dropped light" : ""));
        legendItem(g, x, y, EMPTY, null, "empty " + n[0] + " (" + MaskText.share(n[0], total) + ")");
        if (factor > 1) {
            g.setColor(MUTED);
            g.drawString(String.format("each block of pixels stands for %d × %d tiles, colors mixed by their kinds", factor, factor), 20, y + 24);
        }
    }

    /** A swatch (split in two colors when {@code second} is given) and its text; returns where the next item starts. */
    private static int legendItem(Graphics2D g, int x, int y, Color color, Color second, String text) {
        g.setColor(color);
        g.fillRect(x, y - 12, 16, 16);
        if (second != null) {
            g.setColor(second);
            g.fillRect(x + 8, y - 12, 8, 16);
        }
        g.setColor(MUTED);
        g.drawRect(x, y - 12, 16, 16);
        g.setColor(INK);
        g.drawString(text, x + 24, y + 1);
        return x + 24 + g.getFontMetrics().stringWidth(text) + 28;
    }

    private static int px(long position, double scale) {
        return (int) Math.round(position * scale);
    }

    /** 4096 → 4K, 1048576 → 1M; other numbers as they are. */
    static String number(long n) {
        if (n >= 1 << 20 && n % (1 << 20) == 0) return (n >> 20) + "M";
        if (n >= 1 << 10 && n % (1 << 10) == 0) return (n >> 10) + "K";
        return Long.toString(n);
    }
}
