package org.specula.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A named, read-only tensor: shape (outermost first), dtype and the bytes, little-endian and row-major, in a
 * {@link MemorySegment} (a slice of a mapped file, or heap/anonymous memory).
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
    public static final ValueLayout.OfFloat F32_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Tensor {
        shape = shape.clone();
        long expected = elementCount(shape) * dtype.bytes();
        if (data.byteSize() != expected) {
            throw new SpeculaException("tensor " + name + ": " + data.byteSize() + " bytes but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + expected);
        }
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code i} as an int (all Specula dimensions fit). */
    public int dim(int i) {
        return Math.toIntExact(shape[i]);
    }

    public long elementCount() {
        return elementCount(shape);
    }

    public long byteSize() {
        return data.byteSize();
    }

    /** Element {@code index} (flat, row-major) converted to float. */
    public float getFloat(long index) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(F32_LE, index);
            case BF16 -> DType.bf16ToFloat(data.getAtIndex(I16_LE, index));
            case F16 -> Float.float16ToFloat(data.getAtIndex(I16_LE, index));
            default -> throw new SpeculaException("tensor " + name + " has dtype " + dtype
                    + "; only F32, F16 and BF16 tensors can be read as floats");
        };
    }

    /** out[off .. off+cols) = row {@code row} of this 2-D tensor [rows][cols], as float. */
    public void readRow(int row, float[] out, int off) {
        int cols = dim(rank() - 1);
        long base = (long) row * cols;
        for (int i = 0; i < cols; i++) {
            out[off + i] = getFloat(base + i);
        }
    }

    /** The whole tensor as a float array (for small tensors such as norm weights). */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(elementCount())];
        for (int i = 0; i < out.length; i++) {
            out[i] = getFloat(i);
        }
        return out;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return name + " " + dtype + shapeString();
    }
}
