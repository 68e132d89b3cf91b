package dev.attnc.kernel;

/** The sizes of a call, known at run time: B, H, H_KV, Q_LEN, KV_LEN, D. Each is at least 1. */
public enum SizeName {
    B, H, H_KV, Q_LEN, KV_LEN, D;

    public String word() {
        return name();
    }
}
