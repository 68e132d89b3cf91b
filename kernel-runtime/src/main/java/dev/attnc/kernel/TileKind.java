package dev.attnc.kernel;

/** What the mask does on one BLOCK_M × BLOCK_N tile of (query, key) pairs. */
public enum TileKind {
    /** No pair is kept: the tile is never visited. */
    EMPTY('.'),
    /** Every pair is kept: no mask code runs. */
    FULL('F'),
    /** Some pairs are kept: the mask is evaluated per pair. */
    PARTIAL('P');

    public final char letter;

    TileKind(char letter) {
        this.letter = letter;
    }
}
