package org.specula.loader.tokenizer;

import org.specula.loader.JsonFields;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of a tokenizer.json ({@code "model": {"type": "BPE", ...}}) with Hugging Face semantics: a word
 * starts as one symbol per character (a character missing from the vocab becomes its UTF-8 bytes as
 * {@code <0xNN>} pieces when byte_fallback is set, else unk_token), then the adjacent pair with the lowest merge
 * rank is merged, leftmost first, until no pair has a merge. A min-heap of (rank, position) over a doubly linked
 * list of symbols makes this O(n log n) per word; stale heap entries are skipped when popped.
 */
final class BpeModel {
    private final Map<String, Integer> vocab;
    private final String[] pieces;          // [maxId + 1] piece by id, null for ids the vocab does not use
    private final MergeTable merges;
    private final int[] mergedId;           // [merges] id of the piece a merge produces, by rank
    private final String unkToken;          // may be null
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final int[] byteIds;            // [256] id of <0xNN>, -1 when missing
    private final int[] charIds;            // [65536] id of the one-char piece of a BMP char, -1 when missing
    private final String file;
    /** Results per word, as HF caches them: words shorter than 256 chars, at most 10 000, never evicted. */
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();
    private static final int CACHE_CAPACITY = 10_000;
    private static final int CACHE_MAX_WORD = 256;

    private BpeModel(Map<String, Integer> vocab, String[] pieces, MergeTable merges, int[] mergedId,
                     String unkToken, boolean fuseUnk, boolean byteFallback, boolean ignoreMerges, String file) {
        this.vocab = vocab;
        this.pieces = pieces;
        this.merges = merges;
        this.mergedId = mergedId;
        this.unkToken = unkToken;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.file = file;
        this.byteIds = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.format("<0x%02X>", b));
            byteIds[b] = id == null ? -1 : id;
        }
        this.charIds = new int[65536];
        Arrays.fill(charIds, -1);
        vocab.forEach((piece, id) -> {
            if (piece.length() == 1 && !Character.isSurrogate(piece.charAt(0))) {
                charIds[piece.charAt(0)] = id;
            }
        });
    }

    /** Reads {@code model} of a tokenizer.json whose type is BPE (the caller checked the type). */
    static BpeModel fromJson(Map<String, Object> model, String file) {
        if (!model.containsKey("vocab")) {
            throw JsonFields.bad(file, "model.vocab", "is missing; the file is not a complete tokenizer.json (re-export"
                    + " it with Hugging Face tokenizers)");
        }
        Map<String, Object> vocabJson = JsonFields.object(model.get("vocab"), file, "model.vocab");
        refuse(model, "continuing_subword_prefix", file);
        refuse(model, "end_of_word_suffix", file);
        Object dropout = model.get("dropout");
        if (dropout instanceof Number n && n.doubleValue() != 0.0) {
            throw JsonFields.bad(file, "model.dropout", "is " + n
                    + "; BPE dropout is for training only, set it to null");
        }
        Map<String, Integer> vocab = new HashMap<>(vocabJson.size() * 2);
        int maxId = -1;
        for (Map.Entry<String, Object> e : vocabJson.entrySet()) {
            int id = JsonFields.index(e.getValue(), file, "model.vocab[\"" + e.getKey() + "\"]");
            vocab.put(e.getKey(), id);
            maxId = Math.max(maxId, id);
        }
        // Two pieces with one id would leave decoding that id ambiguous, so each id belongs to one piece.
        String[] pieces = new String[maxId + 1];
        for (Map.Entry<String, Object> e : vocabJson.entrySet()) {
            int id = vocab.get(e.getKey());
            if (pieces[id] != null) {
                throw JsonFields.bad(file, "model.vocab[\"" + e.getKey() + "\"]", "has id " + id + ", which \""
                        + pieces[id] + "\" already has; each id must belong to one piece");
            }
            pieces[id] = e.getKey();
        }

        List<Object> mergeList = model.containsKey("merges")
                ? JsonFields.list(model.get("merges"), file, "model.merges") : List.of();
        MergeTable merges = new MergeTable(mergeList.size());
        int[] mergedId = new int[mergeList.size()];
        for (int rank = 0; rank < mergeList.size(); rank++) {
            String field = "model.merges[" + rank + "]";
            String left;
            String right;
            if (mergeList.get(rank) instanceof String s) {
                int space = s.indexOf(' ');
                if (space < 0 || s.indexOf(' ', space + 1) >= 0) {
                    throw JsonFields.bad(file, field, "\"" + s + "\" must be two pieces separated by one space");
                }
                left = s.substring(0, space);
                right = s.substring(space + 1);
            } else {
                List<Object> pair = JsonFields.list(mergeList.get(rank), file, field);
                if (pair.size() != 2) {
                    throw JsonFields.bad(file, field, "must be a pair [left, right] (found " + pair.size() + " items)");
                }
                left = JsonFields.string(pair.get(0), file, field + "[0]");
                right = JsonFields.string(pair.get(1), file, field + "[1]");
            }
            mergedId[rank] = require(vocab, left + right, file, field);
            merges.put(require(vocab, left, file, field), require(vocab, right, file, field), rank);
        }
        return new BpeModel(vocab, pieces, merges, mergedId,
                JsonFields.optString(model, "unk_token", file, "model.unk_token"),
                JsonFields.bool(model, "fuse_unk", false, file, "model.fuse_unk"),
                JsonFields.bool(model, "byte_fallback", false, file, "model.byte_fallback"),
                JsonFields.bool(model, "ignore_merges", false, file, "model.ignore_merges"), file);
    }

    private static void refuse(Map<String, Object> model, String key, String file) {
        if (model.get(key) != null && !"".equals(model.get(key))) {
            throw JsonFields.bad(file, "model." + key, "is set; Specula supports BPE without " + key
                    + " (SentencePiece-style and byte-level BPE: Llama 2, GPT-2, Llama 3)");
        }
    }

    private static int require(Map<String, Integer> vocab, String piece, String file, String field) {
        Integer id = vocab.get(piece);
        if (id == null) {
            throw JsonFields.bad(file, field, "uses the piece \"" + piece + "\", which is not in model.vocab");
        }
        return id;
    }

    /** Id of a vocab piece, or -1. */
    int id(String piece) {
        Integer id = vocab.get(piece);
        return id == null ? -1 : id;
    }

    /** The piece of an id, or null when the vocab has no such id. */
    String piece(int id) {
        return id >= 0 && id < pieces.length ? pieces[id] : null;
    }

    /** One more than the largest vocab id. */
    int idSpace() {
        return pieces.length;
    }

    /** Appends the ids of one pre-tokenized word; an unpaired surrogate is read as U+FFFD. */
    void encode(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        if (word.length() >= CACHE_MAX_WORD) {
            encodeUncached(word, out);
            return;
        }
        int[] hit = cache.get(word);
        if (hit == null) {
            IntList ids = new IntList();
            encodeUncached(word, ids);
            hit = ids.toArray();
            if (cache.size() < CACHE_CAPACITY) {
                cache.put(word, hit);
            }
        }
        out.addAll(hit);
    }

    private void encodeUncached(String word, IntList out) {
        int[] ids = new int[word.length() * 4 + 1];  // a char is at most 4 byte pieces; [symbols]
        int n = 0;
        int unkId = -1;        // a pending (possibly fused) unk
        for (int i = 0; i < word.length(); ) {
            char c = word.charAt(i);
            if (charIds[c] >= 0) {   // the fast path: a BMP char with its own piece (every char, byte-level)
                if (unkId >= 0) {
                    ids[n++] = unkId;
                    unkId = -1;
                }
                ids[n++] = charIds[c];
                i++;
                continue;
            }
            int cp = word.codePointAt(i);
            int next = i + Character.charCount(cp);
            String symbol = word.substring(i, next);
            i = next;
            if (Character.isSurrogate(symbol.charAt(0)) && symbol.length() == 1) {
                cp = 0xFFFD;   // an unpaired surrogate is not text; read it as the replacement character
                symbol = "\uFFFD";
            }
            Integer id = vocab.get(symbol);
            if (id != null) {
                if (unkId >= 0) {
                    ids[n++] = unkId;
                    unkId = -1;
                }
                ids[n++] = id;
                continue;
            }
            if (byteFallback) {
                byte[] utf8 = Character.toString(cp).getBytes(StandardCharsets.UTF_8);
                boolean all = true;
                for (byte b : utf8) {
                    all &= byteIds[b & 0xFF] >= 0;
                }
                if (all) {
                    // Hugging Face adds the bytes without flushing a pending unk first; we keep its order.
                    for (byte b : utf8) {
                        ids[n++] = byteIds[b & 0xFF];
                    }
                    continue;
                }
            }
            if (unkToken != null) {
                Integer unk = vocab.get(unkToken);
                if (unk == null) {
                    throw JsonFields.bad(file, "model.unk_token", "\"" + unkToken + "\" is not in model.vocab");
                }
                if (unkId >= 0 && !fuseUnk) {
                    ids[n++] = unkId;
                }
                unkId = unk;
            }
        }
        if (unkId >= 0) {
            ids[n++] = unkId;
        }
        mergeAll(ids, n, out);
    }

    /** Merges the symbols {@code ids[0..n)} by rank and appends the result. */
    private void mergeAll(int[] ids, int n, IntList out) {
        int[] prev = new int[n];   // [n] index of the previous live symbol, -1 at the start
        int[] next = new int[n];   // [n] index of the next live symbol, n at the end
        boolean[] removed = new boolean[n];
        LongMinHeap heap = new LongMinHeap(Math.max(4, n));
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1;
            if (i + 1 < n) {
                push(heap, ids[i], ids[i + 1], i);
            }
        }
        while (!heap.isEmpty()) {
            long top = heap.poll();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            int right = next[pos];
            if (removed[pos] || right >= n) {
                continue;
            }
            // A stale entry: the pair at pos no longer produces this merge's piece (compare by merged id, as HF).
            int current = merges.rank(ids[pos], ids[right]);
            if (current < 0 || mergedId[current] != mergedId[rank]) {
                continue;
            }
            ids[pos] = mergedId[rank];
            removed[right] = true;
            next[pos] = next[right];
            if (next[pos] < n) {
                prev[next[pos]] = pos;
            }
            if (prev[pos] >= 0) {
                push(heap, ids[prev[pos]], ids[pos], prev[pos]);
            }
            if (next[pos] < n) {
                push(heap, ids[pos], ids[next[pos]], pos);
            }
        }
        for (int i = 0; i < n; i = next[i]) {
            out.add(ids[i]);
        }
    }

    private void push(LongMinHeap heap, int left, int right, int pos) {
        int rank = merges.rank(left, right);
        if (rank >= 0) {
            heap.add(((long) rank << 32) | pos);
        }
    }

    /** A binary min-heap of longs; here (rank << 32 | position), so the lowest rank, then leftmost, pops first. */
    private static final class LongMinHeap {
        private long[] heap;
        private int size;

        LongMinHeap(int capacity) {
            heap = new long[capacity];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long value) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= value) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = value;
        }

        long poll() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (last <= heap[child]) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            if (size > 0) {
                heap[i] = last;
            }
            return top;
        }
    }
}
