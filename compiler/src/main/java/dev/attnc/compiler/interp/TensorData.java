package dev.attnc.compiler.interp;

/** Read access to a tensor argument's values, whatever its storage (the runtime adapts its Tensor). */
public interface TensorData {
    long[] shape();

    /** The element at a row-major flat index, as a double (ints exactly, bools as 0/1). */
    double get(long flatIndex);

    static TensorData of(double[] values, long... shape) {
        return new TensorData() {
            public long[] shape() { return shape.clone(); }
            public double get(long i) { return values[(int) i]; }
        };
    }
}
