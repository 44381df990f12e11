package org.specula.testdata;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.tensor.DType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    @Test
    void headerIsAlignedAndOffsetsAreContiguousAndSizedByShapeAndDtype() throws IOException {
        float[] six = {1.5f, -2.25f, 3.1f, 65504f, 1e-8f, -0f};
        Path file = new SafetensorsWriter()
                .add("a.f32", DType.F32, new long[]{2, 3}, six)
                .add("b.f16", DType.F16, new long[]{3, 2}, six)
                .add("c.bf16", DType.BF16, new long[]{6}, six)
                .add("d.i32", DType.I32, new long[]{1, 3}, new float[]{1, -2, 300})
                .add("e.i64", DType.I64, new long[]{1}, new float[]{7})
                .add("f.scalar", DType.F32, new long[]{}, new float[]{42})
                .add("g.empty", DType.F32, new long[]{0, 4}, new float[0])
                .write(dir.resolve("t.safetensors"));
        ReadBack back = ReadBack.of(file);
        assertEquals(Map.of("format", "pt"), back.metadata());
        assertEquals(List.of("a.f32", "b.f16", "c.bf16", "d.i32", "e.i64", "f.scalar", "g.empty"),
                List.copyOf(back.tensors().keySet()));
        assertArrayEquals(six, back.tensors().get("a.f32").floats());
        assertArrayEquals(new long[]{3, 2}, back.tensors().get("b.f16").shape());
        for (String name : List.of("b.f16", "c.bf16")) {
            DType d = DType.valueOf(back.tensors().get(name).dtype());
            float[] expected = new float[six.length];
            for (int i = 0; i < six.length; i++) {
                expected[i] = SafetensorsWriter.roundTo(d, six[i]);
            }
            assertArrayEquals(expected, back.tensors().get(name).floats(), name);
        }
        assertArrayEquals(new float[]{1, -2, 300}, back.tensors().get("d.i32").floats());
        assertArrayEquals(new float[]{7}, back.tensors().get("e.i64").floats());
        assertArrayEquals(new float[]{42}, back.tensors().get("f.scalar").floats());
    }

    @Test
    void headerIsPaddedWithSpacesToAMultipleOfEight() throws IOException {
        for (int nameLength = 1; nameLength <= 9; nameLength++) {
            SafetensorsWriter w = new SafetensorsWriter().add("x".repeat(nameLength), DType.F32, new long[]{1},
                    new float[]{1});
            String header = w.header();
            assertEquals(0, header.getBytes(StandardCharsets.UTF_8).length % 8, header);
            assertEquals(header.strip() + " ".repeat(header.length() - header.strip().length()), header);
            byte[] bytes = Files.readAllBytes(w.write(dir.resolve("p" + nameLength)));
            assertEquals(header.length(), ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong());
        }
    }

    @Test
    void streamingWriterWritesTheSameBytesAsTheInMemoryWriter() throws IOException {
        int n = 3 * 65536 + 17; // crosses the streaming chunk boundary
        float[] values = new float[n];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        for (DType dtype : List.of(DType.F32, DType.F16, DType.BF16)) {
            Path inMemory = new SafetensorsWriter()
                    .add("small", dtype, new long[]{2}, new float[]{0.5f, -1})
                    .add("big", dtype, new long[]{n}, values)
                    .write(dir.resolve("mem-" + dtype));
            Path streamed = new SafetensorsWriter()
                    .add("small", dtype, new long[]{2}, new float[]{0.5f, -1})
                    .addGenerated("big", dtype, new long[]{n}, i -> values[(int) i])
                    .write(dir.resolve("stream-" + dtype));
            assertArrayEquals(Files.readAllBytes(inMemory), Files.readAllBytes(streamed), dtype.name());
        }
    }

    @Test
    void addRawWritesAnyDtypeNameAndBytesVerbatim() throws IOException {
        byte[] bytes = {1, 2, 3};
        Path file = new SafetensorsWriter().addRaw("odd", "F8_E4M3", new long[]{4}, bytes)
                .write(dir.resolve("raw.safetensors"));
        byte[] all = Files.readAllBytes(file);
        String header = new SafetensorsWriter().addRaw("odd", "F8_E4M3", new long[]{4}, bytes).header();
        assertEquals("{\"__metadata__\":{\"format\":\"pt\"},\"odd\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],"
                + "\"data_offsets\":[0,3]}}", header.strip());
        assertArrayEquals(bytes, java.util.Arrays.copyOfRange(all, all.length - 3, all.length));
    }

    @Test
    void writeRawWritesTheLengthFieldHeaderAndDataAsGiven() throws IOException {
        byte[] header = "{not json".getBytes(StandardCharsets.UTF_8);
        Path file = SafetensorsWriter.writeRaw(dir.resolve("bad"), 1L << 40, header, new byte[]{9, 8});
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(8 + header.length + 2, all.capacity());
        assertEquals(1L << 40, all.getLong());
        assertEquals("{not json", new String(all.array(), 8, header.length, StandardCharsets.UTF_8));
        assertEquals(9, all.get(8 + header.length));
    }

    @Test
    void metadataEntriesFollowFormat() {
        String header = new SafetensorsWriter().metadata("origin", "test \"quoted\"").header().strip();
        assertEquals("{\"__metadata__\":{\"format\":\"pt\",\"origin\":\"test \\\"quoted\\\"\"}}", header);
    }

    @Test
    void rejectsDuplicateNamesWrongCountsAndUnencodableDtypes() {
        SafetensorsWriter w = new SafetensorsWriter().add("x", DType.F32, new long[]{1}, new float[]{1});
        assertThrows(IllegalArgumentException.class, () -> w.add("x", DType.F32, new long[]{1}, new float[]{1}));
        assertThrows(IllegalArgumentException.class, () -> w.add("y", DType.F32, new long[]{2}, new float[]{1}));
        assertThrows(IllegalArgumentException.class, () -> w.addGenerated("z", DType.BOOL, new long[]{1}, i -> 0));
    }
}
