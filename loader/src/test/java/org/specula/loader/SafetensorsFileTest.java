package org.specula.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.tensor.DType;
import org.specula.tensor.SpeculaException;
import org.specula.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** A file with header length field {@code lengthField}, the header text, and {@code dataBytes} data bytes. */
    private Path file(long lengthField, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(lengthField).put(h);
        for (int i = 0; i < dataBytes / 4; i++) {
            buf.putFloat(i + 0.5f);
        }
        Path p = dir.resolve("model.safetensors");
        Files.write(p, buf.array());
        return p;
    }

    private Path file(String header, int dataBytes) throws IOException {
        return file(header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    private String error(Path p) {
        try (Arena arena = Arena.ofConfined()) {
            SpeculaException e = assertThrows(SpeculaException.class, () -> SafetensorsFile.open(p, arena));
            assertTrue(e.getMessage().startsWith(p.toString()), "message names the file: " + e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
            return e.getMessage();
        }
    }

    @Test
    void readsTensorsAsSlicesOfTheMapping() throws IOException {
        Path p = file("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],"
                + "\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[16,20]}}", 20);
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = SafetensorsFile.open(p, arena);
            Tensor a = f.tensors().get("a");
            assertEquals(DType.F32, a.dtype());
            assertArrayEquals(new long[]{2, 2}, a.shape());
            assertArrayEquals(new float[]{0.5f, 1.5f, 2.5f, 3.5f}, a.toFloatArray());
            assertTrue(a.data().isMapped(), "tensor data must be a slice of the file mapping, not a copy");
            assertEquals(DType.I32, f.tensors().get("b").dtype());
            assertEquals("pt", f.metadata().get("format"));
        }
    }

    @Test
    void copyModeReadsTheSameTensorsIntoAnonymousMemory() throws IOException {
        Path p = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", 12);
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = SafetensorsFile.copy(p, arena).tensors().get("a");
            assertArrayEquals(new float[]{0.5f, 1.5f, 2.5f}, a.toFloatArray());
            assertTrue(!a.data().isMapped(), "--no-mmap copies");
        }
    }

    /** The copy puts the data section on a 64-byte boundary whatever the header length (the kernels' whole lines). */
    @Test
    void copyModeAlignsTheDataSectionTo64Bytes() throws IOException {
        for (int pad = 0; pad < 70; pad += 3) {
            Path p = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[16],\"data_offsets\":[0,64]}," + " ".repeat(pad)
                    + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[64,68]}}", 68);
            try (Arena arena = Arena.ofConfined()) {
                SafetensorsFile f = SafetensorsFile.copy(p, arena);
                Tensor a = f.tensors().get("a");
                assertEquals(0, a.data().address() % 64, "header padded by " + pad);
                assertEquals(0, f.tensors().get("b").data().address() % 64, "header padded by " + pad);
                assertEquals(15.5f, a.toFloatArray()[15]);
            }
        }
    }

    @Test
    void truncatedFile() throws IOException {
        Path p = dir.resolve("model.safetensors");
        Files.write(p, new byte[]{1, 2, 3});
        assertTrue(error(p).contains("truncated"));
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        assertTrue(error(file(4096, "{}", 0)).contains("past the end"));
    }

    @Test
    void headerLengthAbsurd() throws IOException {
        assertTrue(error(file(Long.MAX_VALUE, "{}", 0)).contains("header length"));
    }

    @Test
    void badJson() throws IOException {
        assertTrue(error(file("{\"a\":{\"dtype\":\"F32\",", 0)).contains("malformed JSON"));
    }

    @Test
    void unknownDtype() throws IOException {
        String msg = error(file("{\"a\":{\"dtype\":\"Q4_K\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        assertTrue(msg.contains("unknown dtype \"Q4_K\"") && msg.contains("\"a\""), msg);
    }

    @Test
    void overlappingOffsets() throws IOException {
        String msg = error(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
        assertTrue(msg.contains("overlap"), msg);
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        String msg = error(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8));
        assertTrue(msg.contains("outside the data section"), msg);
    }

    @Test
    void offsetsDisagreeWithShape() throws IOException {
        String msg = error(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16));
        assertTrue(msg.contains("needs 12"), msg);
    }

    @Test
    void missingFile() {
        assertTrue(error(dir.resolve("nope.safetensors")).contains("not found"));
    }

    @Test
    void metadataIsAStringToStringMap() throws IOException {
        String tensor = ",\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertTrue(error(file("{\"__metadata__\":{\"format\":\"pt\",\"step\":3}" + tensor, 4))
                .contains("__metadata__ \"step\" must be a string (got 3)"));
        assertTrue(error(file("{\"__metadata__\":{\"nested\":{}}" + tensor, 4)).contains("\"nested\" must be a string"));
        assertTrue(error(file("{\"__metadata__\":[\"pt\"]" + tensor, 4)).contains("__metadata__ must be an object"));
        try (Arena arena = Arena.ofConfined()) {
            assertTrue(SafetensorsFile.open(file("{\"__metadata__\":null" + tensor, 4), arena).metadata().isEmpty(),
                    "the safetensors crate reads a null __metadata__ as absent");
        }
    }

    @Test
    void headerLengthIsPrintedUnsigned() throws IOException {
        String message = error(file(-1L, "{}", 0));
        assertTrue(message.contains("header length 18446744073709551615 is outside"), message);
    }

    @Test
    void aDirectoryIsNamedAsOne() throws IOException {
        Path p = Files.createDirectory(dir.resolve("model.safetensors"));
        assertTrue(error(p).contains("is a directory, not a safetensors file"));
        try (Arena arena = Arena.ofConfined()) {
            SpeculaException e = assertThrows(SpeculaException.class, () -> SafetensorsFile.copy(p, arena));
            assertTrue(e.getMessage().startsWith(p + ": is a directory"), e.getMessage());
        }
    }
}
