package dev.attnc.examples;

import java.util.SplittableRandom;

/**
 * The host side of a small decoder with random weights: token embeddings (tied with the output
 * head), per layer the projections to Q, K, V and back from the attention's output, and an RMS norm
 * after each layer. Everything but attention runs here, in plain Java; attention runs in attnc.
 * Rows are [tokens, model] float arrays, model = H·D.
 */
final class RandomDecoder {
    final int vocab, layers, heads, kvHeads, headDim, model;
    private final float[] embedding; // [vocab, model]
    private final float[] head; // [vocab, model]: the output head (untied: tied, a random model mostly repeats its input)
    private final float[][] wq, wk, wv, wo; // per layer: [model, H·D], [model, H_KV·D] twice, [H·D, model]

    RandomDecoder(int vocab, int layers, int heads, int kvHeads, int headDim, long seed) {
        this.vocab = vocab;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.model = heads * headDim;
        SplittableRandom rng = new SplittableRandom(seed);
        embedding = gaussian(rng, (long) vocab * model, 1);
        head = gaussian(rng, (long) vocab * model, 1);
        wq = new float[layers][];
        wk = new float[layers][];
        wv = new float[layers][];
        wo = new float[layers][];
        double scale = 1 / Math.sqrt(model);
        for (int l = 0; l < layers; l++) {
            wq[l] = gaussian(rng, (long) model * model, scale);
            wk[l] = gaussian(rng, (long) model * kvHeads * headDim, scale);
            wv[l] = gaussian(rng, (long) model * kvHeads * headDim, scale);
            wo[l] = gaussian(rng, (long) model * model, scale);
        }
    }

    /** The embeddings of {@code tokens}: [tokens, model]. */
    float[] embed(int[] tokens) {
        float[] x = new float[tokens.length * model];
        for (int t = 0; t < tokens.length; t++) System.arraycopy(embedding, tokens[t] * model, x, t * model, model);
        return x;
    }

    float[] query(int layer, float[] x) {
        return matmul(x, wq[layer], model, model);
    }

    float[] key(int layer, float[] x) {
        return matmul(x, wk[layer], model, kvHeads * headDim);
    }

    float[] value(int layer, float[] x) {
        return matmul(x, wv[layer], model, kvHeads * headDim);
    }

    /** x + attention · Wo, RMS-normalised (in place in x). */
    void residual(int layer, float[] x, float[] attention) {
        float[] out = matmul(attention, wo[layer], model, model);
        for (int r = 0; r < x.length / model; r++) {
            double sum = 0;
            for (int i = r * model; i < (r + 1) * model; i++) {
                x[i] += out[i];
                sum += (double) x[i] * x[i];
            }
            float norm = (float) (1 / Math.sqrt(sum / model + 1e-6));
            for (int i = r * model; i < (r + 1) * model; i++) x[i] *= norm;
        }
    }

    /** The most likely next token of a row of x (greedy: the largest logit of the output head). */
    int argmax(float[] x, int row) {
        int best = 0;
        float bestLogit = Float.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            float logit = 0;
            for (int i = 0; i < model; i++) logit += x[row * model + i] * head[v * model + i];
            if (logit > bestLogit) {
                bestLogit = logit;
                best = v;
            }
        }
        return best;
    }

    /** [rows, n] = [rows, k] · [k, n]. */
    private static float[] matmul(float[] a, float[] b, int k, int n) {
        int rows = a.length / k;
        float[] out = new float[rows * n];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < k; i++) {
                float ai = a[r * k + i];
                for (int j = 0; j < n; j++) out[r * n + j] += ai * b[i * n + j];
            }
        }
        return out;
    }

    private static float[] gaussian(SplittableRandom rng, long n, double scale) {
        float[] out = new float[Math.toIntExact(n)];
        for (int i = 0; i < out.length; i++) out[i] = (float) (rng.nextGaussian() * scale);
        return out;
    }
}
