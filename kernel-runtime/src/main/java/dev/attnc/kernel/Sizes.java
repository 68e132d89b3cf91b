package dev.attnc.kernel;


/** The sizes of one call. H must be a multiple of H_KV (grouped-query attention). */
public record Sizes(int B, int H, int H_KV, int Q_LEN, int KV_LEN, int D) {
    public Sizes {
        if (B < 1 || H < 1 || H_KV < 1 || Q_LEN < 1 || KV_LEN < 1 || D < 1) {
            throw new IllegalArgumentException(String.format("every size must be at least 1, but B=%d H=%d H_KV=%d Q_LEN=%d KV_LEN=%d D=%d",
                    B, H, H_KV, Q_LEN, KV_LEN, D));
        }
        if (H % H_KV != 0) throw new IllegalArgumentException("H (" + H + ") must be a multiple of H_KV (" + H_KV + ")");
    }

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
