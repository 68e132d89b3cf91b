package dev.attnc.kernel;


/**
 * The sizes of one call. H must be a multiple of H_KV (grouped-query attention). D is the key
 * dimension (Q's and K's last, the language's {@code D}); DV is the value dimension (V's and O's
 * last), D unless V says otherwise (DeepSeek's MLA prefill: D = 192, DV = 128).
 */
public record Sizes(int B, int H, int H_KV, int Q_LEN, int KV_LEN, int D, int DV) {
    public Sizes {
        if (B < 1 || H < 1 || H_KV < 1 || Q_LEN < 1 || KV_LEN < 1 || D < 1 || DV < 1) {
            throw new IllegalArgumentException(String.format("every size must be at least 1, but B=%d H=%d H_KV=%d Q_LEN=%d KV_LEN=%d D=%d DV=%d",
                    B, H, H_KV, Q_LEN, KV_LEN, D, DV));
        }
        if (H % H_KV != 0) throw new IllegalArgumentException("H (" + H + ") must be a multiple of H_KV (" + H_KV + ")");
    }

    /** Sizes whose value dimension is the key dimension D. */
    public Sizes(int B, int H, int H_KV, int Q_LEN, int KV_LEN, int D) {
        this(B, H, H_KV, Q_LEN, KV_LEN, D, D);
    }

    /** These sizes with another KV_LEN (a sequence's own length), everything else kept. */
    public Sizes withKvLen(int kvLen) {
        return new Sizes(B, H, H_KV, Q_LEN, kvLen, D, DV);
    }

    /** These sizes with Q_LEN and KV_LEN swapped (a backward kernel's transposed plan, whose rows are key tiles). */
    public Sizes transposed() {
        return new Sizes(B, H, H_KV, KV_LEN, Q_LEN, D, DV);
    }

    /** The sizes a language program sees: D is the key dimension; DV has no name there. */
    public int get(SizeName s) {
        return switch (s) {
            case B -> B;
            case H -> H;
            case H_KV -> H_KV;
            case Q_LEN -> Q_LEN;
            case KV_LEN -> KV_LEN;
            case D -> D;
        };
    }

    /** The key/value head that query head h reads. */
    public int kvHead(int h) {
        return h / (H / H_KV);
    }

    public java.util.Map<SizeName, Long> asMap() {
        java.util.Map<SizeName, Long> m = new java.util.EnumMap<>(SizeName.class);
        for (SizeName s : SizeName.values()) m.put(s, (long) get(s));
        return m;
    }
}
