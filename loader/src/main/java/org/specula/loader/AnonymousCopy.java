package org.specula.loader;

import org.specula.tensor.SpeculaException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * --no-mmap: reads a file into anonymous memory aligned to 2 MiB and, where the OS offers it, advises transparent
 * huge pages (Linux madvise MADV_HUGEPAGE), so weight streaming suffers fewer TLB misses than a 4 KiB page-cache
 * mapping. The advice is best effort: without it the copy still works.
 */
final class AnonymousCopy {
    private static final long HUGE_PAGE = 2L * 1024 * 1024;
    private static final int MADV_HUGEPAGE = 14;
    private static final MethodHandle MADVISE = madvise();

    private AnonymousCopy() {
    }

    @SuppressWarnings("restricted") // a native downcall: the launcher passes --enable-native-access
    private static MethodHandle madvise() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("madvise").map(symbol -> linker.downcallHandle(symbol,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT))).orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    static MemorySegment read(Path path, Arena arena) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            long rounded = Math.max(HUGE_PAGE, (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE);
            MemorySegment memory = arena.allocate(rounded, HUGE_PAGE);
            adviseHugePages(memory);
            long done = 0;
            while (done < size) {
                long chunk = Math.min(size - done, 1L << 30);
                ByteBuffer buffer = memory.asSlice(done, chunk).asByteBuffer();
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, done + buffer.position()) < 0) {
                        throw new SpeculaException(path + ": file shrank while reading; try again");
                    }
                }
                done += chunk;
            }
            return memory.asSlice(0, size);
        } catch (NoSuchFileException e) {
            throw new SpeculaException(path + ": file not found");
        } catch (IOException e) {
            throw new SpeculaException(path + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private static void adviseHugePages(MemorySegment memory) {
        if (MADVISE == null) {
            return;
        }
        try {
            int ignored = (int) MADVISE.invokeExact(memory, memory.byteSize(), MADV_HUGEPAGE);
        } catch (Throwable t) {
            // advice only: huge pages are an optimisation, never a requirement
        }
    }
}
