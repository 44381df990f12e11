package org.specula.testdata;

import org.specula.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code .safetensors} file: an 8-byte little-endian header length N, N bytes of JSON header
 * ({@code {"__metadata__":{"format":"pt"},"name":{"dtype":"F32","shape":[..],"data_offsets":[begin,end]},..}},
 * offsets relative to the data section), padded with spaces so the data section starts 8-byte aligned as the official
 * writer does, then the tensors back to back in insertion order, little-endian.
 *
 * <p>{@link #add} and {@link #addRaw} keep their bytes until {@link #write}; {@link #addGenerated} keeps only the
 * generator and produces the values chunk by chunk while writing, so multi-GB files need no more than one chunk of
 * heap. Both paths encode a value identically, so the same values give the same bytes either way.
 */
public final class SafetensorsWriter {
    /** Values of a generated tensor, by flat row-major index; called once per element, in order. */
    @FunctionalInterface
    public interface ElementSource {
        float valueAt(long index);
    }

    private static final int CHUNK_ELEMENTS = 1 << 16;

    private record Entry(String name, String dtypeName, long[] shape, long byteLength, byte[] bytes,
                         DType dtype, ElementSource source) {
    }

    private final Map<String, String> metadata = new LinkedHashMap<>(Map.of("format", "pt"));
    private final List<Entry> entries = new ArrayList<>();

    /** Adds {@code key: value} to {@code __metadata__} (which holds {@code "format":"pt"} from the start). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /**
     * Adds a tensor, converting {@code values} to {@code dtype}: F16 and BF16 round to nearest even, I32 and I64
     * truncate (exact for integers up to 2^24).
     */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, float[] values) {
        long count = elementCount(shape);
        if (values.length != count) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + shapeJson(shape));
        }
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(count * dtype.bytes())).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            encode(out, dtype, v);
        }
        return addEntry(new Entry(name, dtype.name(), shape.clone(), out.capacity(), out.array(), dtype, null));
    }

    /**
     * Adds a tensor exactly as given: any dtype name, and bytes that need not match the shape (for malformed-input
     * tests).
     */
    public SafetensorsWriter addRaw(String name, String dtypeName, long[] shape, byte[] bytes) {
        return addEntry(new Entry(name, dtypeName, shape.clone(), bytes.length, bytes.clone(), null, null));
    }

    /** Adds a tensor whose values {@code source} produces while {@link #write} streams them to disk. */
    public SafetensorsWriter addGenerated(String name, DType dtype, long[] shape, ElementSource source) {
        checkEncodable(dtype);
        long byteLength = Math.multiplyExact(elementCount(shape), dtype.bytes());
        return addEntry(new Entry(name, dtype.name(), shape.clone(), byteLength, null, dtype, source));
    }

    /** Total bytes of the data section (the sum of the tensors' byte lengths). */
    public long dataSize() {
        long total = 0;
        for (Entry e : entries) {
            total += e.byteLength;
        }
        return total;
    }

    /** The tensor names, in file order. */
    public List<String> names() {
        return entries.stream().map(Entry::name).toList();
    }

    /** The JSON header as written, including the trailing space padding. */
    public String header() {
        StringBuilder json = new StringBuilder("{\"__metadata__\":{");
        String sep = "";
        for (Map.Entry<String, String> m : metadata.entrySet()) {
            json.append(sep).append(JsonText.quote(m.getKey())).append(':').append(JsonText.quote(m.getValue()));
            sep = ",";
        }
        json.append('}');
        long offset = 0;
        for (Entry e : entries) {
            json.append(',').append(JsonText.quote(e.name)).append(":{\"dtype\":").append(JsonText.quote(e.dtypeName))
                    .append(",\"shape\":").append(shapeJson(e.shape))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + e.byteLength)
                    .append("]}");
            offset += e.byteLength;
        }
        json.append('}');
        int length = json.toString().getBytes(StandardCharsets.UTF_8).length;
        json.repeat(' ', (8 - (8 + length) % 8) % 8);
        return json.toString();
    }

    /** Writes the file, replacing any existing one; returns {@code file}. */
    public Path write(Path file) {
        byte[] header = header().getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer chunk = null;
            for (Entry e : entries) {
                if (e.bytes != null) {
                    writeFully(ch, ByteBuffer.wrap(e.bytes));
                    continue;
                }
                if (chunk == null) {
                    chunk = ByteBuffer.allocateDirect(CHUNK_ELEMENTS * 8).order(ByteOrder.LITTLE_ENDIAN);
                }
                long count = e.byteLength / e.dtype.bytes();
                for (long start = 0; start < count; start += CHUNK_ELEMENTS) {
                    long end = Math.min(count, start + CHUNK_ELEMENTS);
                    chunk.clear();
                    for (long i = start; i < end; i++) {
                        encode(chunk, e.dtype, e.source.valueAt(i));
                    }
                    writeFully(ch, chunk.flip());
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("writing " + file, ex);
        }
        return file;
    }

    /**
     * Writes {@code headerLengthField} as the 8-byte length, then {@code headerBytes} and {@code data} verbatim, so a
     * test can build any malformed file (a length past the end, a header that is not JSON, short data).
     */
    public static Path writeRaw(Path file, long headerLengthField, byte[] headerBytes, byte[] data) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerLengthField));
            writeFully(ch, ByteBuffer.wrap(headerBytes));
            writeFully(ch, ByteBuffer.wrap(data));
        } catch (IOException ex) {
            throw new UncheckedIOException("writing " + file, ex);
        }
        return file;
    }

    /** {@code value} as {@code dtype} would store it (the rounding {@link #add} applies), back as a float. */
    public static float roundTo(DType dtype, float value) {
        return switch (dtype) {
            case F32, F64 -> value;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(value));
            case BF16 -> DType.bf16ToFloat(DType.floatToBf16(value));
            case I32 -> (int) value;
            case I64 -> (long) value;
            default -> throw new IllegalArgumentException("cannot encode floats as " + dtype);
        };
    }

    private SafetensorsWriter addEntry(Entry entry) {
        for (Entry e : entries) {
            if (e.name.equals(entry.name)) {
                throw new IllegalArgumentException("duplicate tensor name " + entry.name);
            }
        }
        entries.add(entry);
        return this;
    }

    private static void checkEncodable(DType dtype) {
        roundTo(dtype, 0f);
    }

    private static void encode(ByteBuffer out, DType dtype, float v) {
        switch (dtype) {
            case F32 -> out.putFloat(v);
            case F64 -> out.putDouble(v);
            case F16 -> out.putShort(Float.floatToFloat16(v));
            case BF16 -> out.putShort(DType.floatToBf16(v));
            case I32 -> out.putInt((int) v);
            case I64 -> out.putLong((long) v);
            default -> throw new IllegalArgumentException("cannot encode floats as " + dtype);
        }
    }

    private static long elementCount(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in " + shapeJson(shape));
            }
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    private static String shapeJson(long[] shape) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : ",").append(shape[i]);
        }
        return s.append(']').toString();
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
