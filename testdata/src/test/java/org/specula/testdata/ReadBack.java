package org.specula.testdata;

import org.specula.tensor.DType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads a written .safetensors file back independently of the writer and checks the format's invariants on the way:
 * data section 8-byte aligned, offsets contiguous from 0 in header order, each tensor sized shape × dtype, nothing
 * after the last tensor.
 */
record ReadBack(Map<String, Object> metadata, Map<String, Tensor> tensors) {
    record Tensor(String dtype, long[] shape, byte[] bytes) {
        float[] floats() {
            DType d = DType.valueOf(dtype);
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[bytes.length / d.bytes()];
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (d) {
                    case F32 -> b.getFloat();
                    case F16 -> Float.float16ToFloat(b.getShort());
                    case BF16 -> DType.bf16ToFloat(b.getShort());
                    case I32 -> b.getInt();
                    case I64 -> b.getLong();
                    default -> throw new AssertionError(d);
                };
            }
            return out;
        }
    }

    static ReadBack of(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertTrue(n > 0 && 8 + n <= all.length, "header length " + n + " in a file of " + all.length);
        int dataStart = Math.toIntExact(8 + n);
        assertEquals(0, dataStart % 8, "data section of " + file + " must start 8-byte aligned");
        Map<String, Object> header = MiniJson.object(MiniJson.parse(
                new String(all, 8, (int) n, StandardCharsets.UTF_8)));
        Map<String, Object> metadata = Map.of();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        long expectedBegin = 0;
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                metadata = MiniJson.object(e.getValue());
                continue;
            }
            Map<String, Object> info = MiniJson.object(e.getValue());
            assertEquals(List.of("dtype", "shape", "data_offsets"), List.copyOf(info.keySet()), e.getKey());
            String dtype = (String) info.get("dtype");
            long[] shape = MiniJson.array(info.get("shape")).stream().mapToLong(x -> (Long) x).toArray();
            List<Object> offsets = MiniJson.array(info.get("data_offsets"));
            long begin = (Long) offsets.get(0), end = (Long) offsets.get(1);
            assertEquals(expectedBegin, begin, e.getKey() + " must follow the previous tensor");
            long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            assertEquals(elements * DType.valueOf(dtype).bytes(), end - begin, e.getKey() + " size");
            tensors.put(e.getKey(), new Tensor(dtype, shape,
                    Arrays.copyOfRange(all, dataStart + (int) begin, dataStart + (int) end)));
            expectedBegin = end;
        }
        assertEquals(all.length, dataStart + expectedBegin, "file must end with the last tensor");
        return new ReadBack(metadata, tensors);
    }
}
