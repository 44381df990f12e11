package org.specula.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.tensor.Tensor;
import org.specula.testdata.TinyModels;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The default maps a weight file only when its tensors land on 64-byte boundaries, and copies it otherwise. */
class ModelFolderWeightsTest {
    @TempDir
    Path dir;

    /** The tiny model with its header padded so that the data section starts at {@code residue} mod 64. */
    private Path model(int residue) throws IOException {
        Path folder = TinyModels.write(dir.resolve("m" + residue), TinyModels.Spec.tiny());
        Path file = Files.list(folder).filter(p -> p.toString().endsWith(".safetensors")).findFirst().orElseThrow();
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8).stripTrailing();
        int pad = Math.floorMod(residue - 8 - header.length(), 64);
        byte[] h = (header + " ".repeat(pad)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + bytes.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(bytes, 8 + (int) n, bytes.length - 8 - (int) n);
        Files.write(file, out.array());
        assertEquals(residue == 0, SafetensorsFile.dataAligned(file), "residue " + residue);
        return folder;
    }

    @Test
    void defaultMapsAlignedFilesAndCopiesTheOthers() throws IOException {
        float[] reference = null;
        for (int residue : new int[]{0, 8, 24, 56}) {
            Path folder = model(residue);
            for (ModelFolder.Weights mode : ModelFolder.Weights.values()) {
                try (ModelFolder f = ModelFolder.open(folder, mode)) {
                    boolean mapped = mode == ModelFolder.Weights.MAP
                            || mode == ModelFolder.Weights.AUTO && residue == 0;
                    assertEquals(mapped, f.mmap(), mode + " at residue " + residue);
                    Tensor t = f.tensor("model.embed_tokens.weight");
                    if (!mapped) {
                        assertEquals(0, t.data().address() % 64, "a copy aligns the tensors");
                    }
                    float[] values = t.toFloatArray();
                    if (reference == null) {
                        reference = values;
                    }
                    assertArrayEquals(reference, values, mode + " at residue " + residue + " reads other values");
                }
            }
        }
    }

    /**
     * A folder inside a zip (as the built-in models are inside the jar): read from its entries through the zip file
     * system, copied and aligned whatever the mode asks short of mapping, which is refused; the same values.
     */
    @Test
    void aFolderInsideAnArchiveIsCopiedNeverMapped() throws IOException {
        Path folder = model(24);
        Path zip = dir.resolve("models.zip");
        try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip,
                java.util.Map.of("create", "true"))) {
            Path inside = fs.getPath("/models/tiny");
            Files.createDirectories(inside);
            try (var files = Files.list(folder)) {
                for (Path f : files.toList()) {
                    Files.copy(f, inside.resolve(f.getFileName().toString()));
                }
            }
        }
        float[] reference;
        try (ModelFolder f = ModelFolder.open(folder, ModelFolder.Weights.MAP)) {
            reference = f.tensor("model.embed_tokens.weight").toFloatArray();
        }
        try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip)) {
            Path inside = fs.getPath("/models/tiny");
            for (ModelFolder.Weights mode : new ModelFolder.Weights[]{ModelFolder.Weights.AUTO,
                    ModelFolder.Weights.COPY}) {
                try (ModelFolder f = ModelFolder.open(inside, mode)) {
                    assertEquals(false, f.mmap(), mode.toString());
                    Tensor t = f.tensor("model.embed_tokens.weight");
                    assertEquals(0, t.data().address() % 64, "a copy aligns the tensors");
                    assertArrayEquals(reference, t.toFloatArray(), mode.toString());
                }
            }
            org.specula.tensor.SpeculaException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.specula.tensor.SpeculaException.class, () -> ModelFolder.open(inside,
                            ModelFolder.Weights.MAP));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("cannot be memory-mapped"),
                    e.getMessage());
        }
    }
}
