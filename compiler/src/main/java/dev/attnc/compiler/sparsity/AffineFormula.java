package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.ir.BinaryOp;

/**
 * An affine mask for one slot, with its per-slot values filled in: atoms a·q + c·kv + d ⋈ 0
 * joined by && || !. For a fixed query row each atom keeps a half-line or a point of kv (or all,
 * or nothing), so the row keeps a union of a few intervals: {@link #kept}.
 */
sealed interface AffineFormula {
    /** The keys in [0, kvLen) that row q keeps. */
    KvSet kept(long q, int kvLen);

    record Const(boolean value) implements AffineFormula {
        public KvSet kept(long q, int kvLen) {
            return value ? KvSet.all(kvLen) : KvSet.none();
        }
    }

    /** a·q + c·kv + d ⋈ 0. The lowering bounds every coefficient so these longs cannot overflow. */
    record Atom(long a, long c, long d, BinaryOp op) implements AffineFormula {
        public KvSet kept(long q, int kvLen) {
            long s = a * q + d;
            if (c == 0) return new Const(holds(op, s)).kept(q, kvLen);
            // c·kv ⋈ -s with c > 0 (dividing by a negative c flips the comparison)
            BinaryOp o = c > 0 ? op : flip(op);
            long t = c > 0 ? -s : s;
            long m = Math.abs(c);
            return switch (o) {
                case LT -> KvSet.range(0, Math.ceilDiv(t, m), kvLen);
                case LE -> KvSet.range(0, Math.floorDiv(t, m) + 1, kvLen);
                case GT -> KvSet.range(Math.floorDiv(t, m) + 1, kvLen, kvLen);
                case GE -> KvSet.range(Math.ceilDiv(t, m), kvLen, kvLen);
                case EQ -> t % m == 0 ? KvSet.range(t / m, t / m + 1, kvLen) : KvSet.none();
                case NE -> t % m == 0 ? KvSet.range(t / m, t / m + 1, kvLen).not(kvLen) : KvSet.all(kvLen);
                default -> throw new IllegalStateException(op + " is not a comparison");
            };
        }

        private static boolean holds(BinaryOp op, long s) {
            return switch (op) {
                case LT -> s < 0;
                case LE -> s <= 0;
                case GT -> s > 0;
                case GE -> s >= 0;
                case EQ -> s == 0;
                case NE -> s != 0;
                default -> throw new IllegalStateException(op + " is not a comparison");
            };
        }

        /** The comparison after multiplying both sides by -1. */
        private static BinaryOp flip(BinaryOp op) {
            return switch (op) {
                case LT -> BinaryOp.GT;
                case LE -> BinaryOp.GE;
                case GT -> BinaryOp.LT;
                case GE -> BinaryOp.LE;
                default -> op;
            };
        }
    }

    record Not(AffineFormula f) implements AffineFormula {
        public KvSet kept(long q, int kvLen) {
            return f.kept(q, kvLen).not(kvLen);
        }
    }

    record And(AffineFormula l, AffineFormula r) implements AffineFormula {
        public KvSet kept(long q, int kvLen) {
            KvSet left = l.kept(q, kvLen);
            return left.isEmpty() ? left : left.and(r.kept(q, kvLen));
        }
    }

    record Or(AffineFormula l, AffineFormula r) implements AffineFormula {
        public KvSet kept(long q, int kvLen) {
            return l.kept(q, kvLen).or(r.kept(q, kvLen));
        }
    }
}
