package org.specula.loader.tokenizer;

import org.specula.loader.Json;
import org.specula.loader.JsonFields;
import org.specula.tensor.SpeculaException;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A BPE tokenizer read from a Hugging Face tokenizer.json, with the {@code tokenizers} library's semantics: both
 * SentencePiece-style BPE (Llama 2: normalizer Prepend "▁" + Replace " " → "▁" or Metaspace, byte_fallback) and
 * byte-level BPE (GPT-2, Llama 3: a regex Split and/or ByteLevel pre-tokenizer spelling UTF-8 bytes as vocab
 * characters). Encoding: the input is cut at added tokens (special ones only when asked), each remaining piece is
 * normalized, pre-tokenized into words and each word BPE-encoded (results cached per word), and BOS/EOS are added
 * per the post_processor or tokenizer_config.json. Decoding runs the decoder chain (Replace/ByteFallback/Fuse/Strip
 * or ByteLevel) over the pieces, skipping special tokens.
 */
public final class Tokenizer {
    private final BpeModel model;
    private final AddedTokens added;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final DecoderChain decoder;
    private final int[] prefix;      // ids put before the text when addSpecial (BOS)
    private final int[] suffix;      // ids put after it (EOS, when configured)
    private final OptionalInt bos;
    private final int[] eos;
    private final String[] pieces;   // [vocabSize] piece by id; null for ids neither vocab nor added_tokens use
    private final boolean[] special; // [vocabSize]
    private final boolean hasNormalizedAddedTokens;
    private final String chatTemplate;   // tokenizer_config.json chat_template (Jinja), null when absent

    private Tokenizer(BpeModel model, AddedTokens added, Normalizer normalizer, PreTokenizer preTokenizer,
                      DecoderChain decoder, int[] prefix, int[] suffix, OptionalInt bos, int[] eos,
                      String chatTemplate) {
        this.chatTemplate = chatTemplate;
        this.model = model;
        this.added = added;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.decoder = decoder;
        this.prefix = prefix;
        this.suffix = suffix;
        this.bos = bos;
        this.eos = eos;
        int size = model.idSpace();
        for (AddedTokens.Token t : added.tokens()) {
            size = Math.max(size, t.id() + 1);
        }
        pieces = new String[size];
        special = new boolean[size];
        for (int id = 0; id < model.idSpace(); id++) {
            pieces[id] = model.piece(id);
        }
        for (AddedTokens.Token t : added.tokens()) {
            pieces[t.id()] = t.content();
            special[t.id()] = t.special();
        }
        hasNormalizedAddedTokens = added.tokens().stream().anyMatch(AddedTokens.Token::normalized);
    }

    /**
     * path = a model folder (reads tokenizer.json and, when present, tokenizer_config.json) or a tokenizer.json file.
     */
    public static Tokenizer load(Path path) {
        Path file = path;
        Path configFile = null;
        if (Files.isDirectory(path)) {
            file = path.resolve("tokenizer.json");
            if (!Files.isRegularFile(file)) {
                throw new SpeculaException(path + ": the model folder has no tokenizer.json; add the Hugging Face"
                        + " tokenizer.json of the model (Specula does not read tokenizer.model)");
            }
            Path candidate = path.resolve("tokenizer_config.json");
            configFile = Files.isRegularFile(candidate) ? candidate : null;
        } else if (!Files.isRegularFile(path)) {
            throw new SpeculaException(path + ": no such file or folder; pass a model folder or its tokenizer.json");
        }
        String name = file.toString();
        Map<String, Object> json = Json.parseObject(read(file), name);
        Map<String, Object> config = configFile == null ? Map.of()
                : Json.parseObject(read(configFile), configFile.toString());
        return fromJson(json, name, config, configFile == null ? null : configFile.toString());
    }

    /**
     * Loads as {@link #load(Path)} does, then requires every id to have a row in a model of {@code modelVocabSize}
     * (config.json vocab_size): an id beyond it would index past the embedding once the tokenizer produced it.
     */
    public static Tokenizer load(Path path, int modelVocabSize) {
        Tokenizer tokenizer = load(path);
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        tokenizer.checkFits(file.toString(), modelVocabSize);
        return tokenizer;
    }

    private void checkFits(String file, int modelVocabSize) {
        List<AddedTokens.Token> tokens = added.tokens();
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).id() >= modelVocabSize) {
                throw outside(file, "added_tokens[" + i + "].id", tokens.get(i).id(), modelVocabSize);
            }
        }
        for (int id = pieces.length - 1; id >= modelVocabSize; id--) {
            if (model.piece(id) != null) {
                throw outside(file, "model.vocab[\"" + model.piece(id) + "\"]", id, modelVocabSize);
            }
        }
        for (int id : concat(prefix, suffix)) {
            if (id >= modelVocabSize) {
                throw outside(file, "post_processor special_tokens id", id, modelVocabSize);
            }
        }
    }

    private static SpeculaException outside(String file, String field, int id, int modelVocabSize) {
        return JsonFields.bad(file, field, "is " + id + ", outside the model's vocab_size " + modelVocabSize
                + " (config.json); the tokenizer.json does not belong to this model");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (MalformedInputException e) {
            throw new SpeculaException(file + ": is not UTF-8 text; a tokenizer.json must be UTF-8 JSON", e);
        } catch (IOException e) {
            throw new SpeculaException(file + ": cannot be read (" + e + "); check the path and permissions", e);
        }
    }

    private static Tokenizer fromJson(Map<String, Object> json, String file, Map<String, Object> config,
                                      String configName) {
        if (json.get("model") == null) {
            throw JsonFields.bad(file, "model", "is missing; the file is not a tokenizer.json (re-export it with"
                    + " Hugging Face tokenizers)");
        }
        Map<String, Object> modelJson = JsonFields.object(json.get("model"), file, "model");
        String type = JsonFields.optString(modelJson, "type", file, "model.type");
        if (type != null && !type.equals("BPE")) {
            throw JsonFields.bad(file, "model.type", "\"" + type + "\" is not supported; only BPE tokenizers"
                    + " (SentencePiece-style like Llama 2, byte-level like GPT-2 and Llama 3) are");
        }
        BpeModel model = BpeModel.fromJson(modelJson, file);
        AddedTokens added = AddedTokens.fromJson(json.get("added_tokens"), file);
        checkAgainstVocab(added, model, file);
        Normalizer normalizer = Normalizer.fromJson(json.get("normalizer"), file);
        PreTokenizer preTokenizer = PreTokenizer.fromJson(json.get("pre_tokenizer"), file);
        DecoderChain decoder = DecoderChain.fromJson(json.get("decoder"), file);

        int[][] template = template(json.get("post_processor"), file);
        int[] prefix = template[0];
        int[] suffix = template[1];
        OptionalInt bos = configToken(config, "bos_token", model, added, configName);
        if (bos.isEmpty() && !config.containsKey("bos_token")) {
            bos = prefix.length > 0 ? OptionalInt.of(prefix[0]) : idOf("<s>", model, added);
        }
        OptionalInt eosId = configToken(config, "eos_token", model, added, configName);
        if (eosId.isEmpty() && !config.containsKey("eos_token")) {
            eosId = suffix.length > 0 ? OptionalInt.of(suffix[suffix.length - 1]) : idOf("</s>", model, added);
            if (eosId.isEmpty()) {
                eosId = idOf("<|endoftext|>", model, added);   // GPT-2 and its descendants
            }
        }
        if (config.get("add_bos_token") instanceof Boolean addBos) {
            prefix = addBos ? new int[] {require(bos, "bos_token", "add_bos_token", configName)} : new int[0];
        }
        if (config.get("add_eos_token") instanceof Boolean addEos) {
            suffix = addEos ? new int[] {require(eosId, "eos_token", "add_eos_token", configName)} : new int[0];
        }
        int[] eos = eosId.isPresent() ? new int[] {eosId.getAsInt()} : new int[0];
        return new Tokenizer(model, added, normalizer, preTokenizer, decoder, prefix, suffix, bos, eos,
                chatTemplate(config.get("chat_template"), configName));
    }

    /**
     * An added token may repeat a vocab piece (Llama 2's {@code <s>}) but only under the same id: otherwise an id
     * would decode as two different pieces, or one piece encode to two ids.
     */
    private static void checkAgainstVocab(AddedTokens added, BpeModel model, String file) {
        List<AddedTokens.Token> tokens = added.tokens();
        for (int i = 0; i < tokens.size(); i++) {
            AddedTokens.Token t = tokens.get(i);
            String piece = model.piece(t.id());
            if (piece != null && !piece.equals(t.content())) {
                throw JsonFields.bad(file, "added_tokens[" + i + "].id", "is " + t.id() + ", the id of model.vocab[\""
                        + piece + "\"] too; each id must be one token");
            }
            int vocabId = model.id(t.content());
            if (vocabId >= 0 && vocabId != t.id()) {
                throw JsonFields.bad(file, "added_tokens[" + i + "].id", "is " + t.id() + " but model.vocab has \""
                        + t.content() + "\" as " + vocabId + "; give the token one id");
            }
        }
    }

    /** chat_template: a Jinja string, or a list of {name, template} of which "default" is the chat one. */
    private static String chatTemplate(Object value, String configName) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        List<Object> named = JsonFields.list(value, configName, "chat_template");
        for (int i = 0; i < named.size(); i++) {
            Map<String, Object> entry = JsonFields.object(named.get(i), configName, "chat_template[" + i + "]");
            if ("default".equals(entry.get("name"))) {
                return JsonFields.string(entry.get("template"), configName, "chat_template[" + i + "].template");
            }
        }
        return null;
    }

    /** The model's chat template (tokenizer_config.json chat_template, Jinja source), if it has one. */
    public Optional<String> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    /**
     * {prefix, suffix}: the special-token ids a TemplateProcessing puts around a single sequence. ByteLevel only
     * adjusts offsets, which Specula does not report, so it adds nothing; in a Sequence each TemplateProcessing adds
     * its tokens around the result of the processors before it, as in HF.
     */
    private static int[][] template(Object json, String file) {
        return template(json, file, "post_processor");
    }

    private static int[][] template(Object json, String file, String field) {
        int[][] none = {new int[0], new int[0]};
        if (json == null) {
            return none;
        }
        Map<String, Object> p = JsonFields.object(json, file, field);
        String type = JsonFields.type(p, file, field);
        if (type.equals("Sequence")) {
            int[][] result = none;
            List<Object> inner = JsonFields.list(p.get("processors"), file, field + ".processors");
            for (int i = 0; i < inner.size(); i++) {
                int[][] around = template(inner.get(i), file, field + ".processors[" + i + "]");
                result = new int[][] {concat(around[0], result[0]), concat(result[1], around[1])};
            }
            return result;
        }
        if (type.equals("ByteLevel")) {
            return none;
        }
        if (!type.equals("TemplateProcessing")) {
            throw JsonFields.bad(file, field + ".type", "\"" + type + "\" is not supported; only TemplateProcessing,"
                    + " ByteLevel and a Sequence of them are");
        }
        Map<String, Object> specials = p.get("special_tokens") == null ? Map.of()
                : JsonFields.object(p.get("special_tokens"), file, field + ".special_tokens");
        IntList before = new IntList();
        IntList after = new IntList();
        boolean seenSequence = false;
        List<Object> single = JsonFields.list(p.get("single"), file, field + ".single");
        for (int i = 0; i < single.size(); i++) {
            String itemField = field + ".single[" + i + "]";
            Map<String, Object> item = JsonFields.object(single.get(i), file, itemField);
            if (item.containsKey("Sequence")) {
                seenSequence = true;
            } else if (item.containsKey("SpecialToken")) {
                Map<String, Object> st = JsonFields.object(item.get("SpecialToken"), file, itemField + ".SpecialToken");
                String name = JsonFields.string(st.get("id"), file, itemField + ".SpecialToken.id");
                String specialField = field + ".special_tokens[\"" + name + "\"]";
                if (!specials.containsKey(name)) {
                    throw JsonFields.bad(file, specialField, "is missing but " + itemField + " uses it");
                }
                Map<String, Object> spec = JsonFields.object(specials.get(name), file, specialField);
                List<Object> ids = JsonFields.list(spec.get("ids"), file, specialField + ".ids");
                for (int k = 0; k < ids.size(); k++) {
                    (seenSequence ? after : before).add(JsonFields.index(ids.get(k), file, specialField + ".ids"));
                }
            } else {
                throw JsonFields.bad(file, itemField, "must be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
            }
        }
        return new int[][] {before.toArray(), after.toArray()};
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The id of tokenizer_config.json's bos_token/eos_token (a string or {"content": ...}), if it names one. */
    private static OptionalInt configToken(Map<String, Object> config, String key, BpeModel model, AddedTokens added,
                                           String configName) {
        Object value = config.get(key);
        if (value == null) {
            return OptionalInt.empty();
        }
        String content = value instanceof Map<?, ?> map
                ? JsonFields.string(map.get("content"), configName, key + ".content")
                : JsonFields.string(value, configName, key);
        OptionalInt id = idOf(content, model, added);
        if (id.isEmpty()) {
            throw JsonFields.bad(configName, key, "\"" + content + "\" is not a token of the tokenizer.json beside it");
        }
        return id;
    }

    private static OptionalInt idOf(String content, BpeModel model, AddedTokens added) {
        for (AddedTokens.Token t : added.tokens()) {
            if (t.content().equals(content)) {
                return OptionalInt.of(t.id());
            }
        }
        int id = model.id(content);
        return id >= 0 ? OptionalInt.of(id) : OptionalInt.empty();
    }

    private static int require(OptionalInt id, String tokenKey, String flagKey, String configName) {
        if (id.isEmpty()) {
            throw JsonFields.bad(configName, flagKey, "is true but no " + tokenKey + " is known; set " + tokenKey);
        }
        return id.getAsInt();
    }

    /**
     * ids for text; addSpecial adds BOS (and EOS) exactly as the post_processor / tokenizer_config add_bos_token
     * says. Special-token strings in text are NOT parsed as special (treated as plain text) unless parseSpecial.
     */
    public int[] encode(String text, boolean addSpecial) {
        return encode(text, addSpecial, false);
    }

    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList();
        if (addSpecial) {
            out.addAll(prefix);
        }
        List<AddedTokens.Piece> raw = new ArrayList<>();
        added.split(text, true, parseSpecial, false, null, raw);
        for (AddedTokens.Piece piece : raw) {
            if (piece.id() >= 0) {
                out.add(piece.id());
                continue;
            }
            String normalized = normalizer.apply(piece.text());
            if (!hasNormalizedAddedTokens) {
                preTokenizer.split(normalized, piece.atInputStart(), word -> model.encode(word, out));
                continue;
            }
            List<AddedTokens.Piece> cut = new ArrayList<>();
            added.split(normalized, piece.atInputStart(), parseSpecial, true, normalizer::apply, cut);
            for (AddedTokens.Piece p : cut) {
                if (p.id() >= 0) {
                    out.add(p.id());
                } else {
                    preTokenizer.split(p.text(), p.atInputStart(), word -> model.encode(word, out));
                }
            }
        }
        if (addSpecial) {
            out.addAll(suffix);
        }
        return out.toArray();
    }

    /**
     * text of ids as HF decode(skip_special_tokens=True) gives it (decoder chain incl. Strip of one leading
     * space). Like HF, ids with no piece (beyond the vocab) are skipped.
     */
    public String decode(int[] ids) {
        DecoderChain.Session session = decoder.start(true);
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            String piece = decodable(id);
            if (piece != null) {
                text.append(session.accept(piece));
            }
        }
        return text.append(session.finish()).toString();
    }

    /** The piece the decoder sees for id, or null when decoding skips it (special or unknown). */
    private String decodable(int id) {
        return id >= 0 && id < pieces.length && !special[id] ? pieces[id] : null;
    }

    /** Size of the id space (max id + 1 over vocab and added tokens). */
    public int vocabSize() {
        return pieces.length;
    }

    public OptionalInt bosId() {
        return bos;
    }

    /**
     * The end-of-sequence ids (tokenizer_config eos_token, else the template's, "</s>" or "<|endoftext|>");
     * possibly empty. A chat adds its end-of-turn token: see {@code ChatTemplate.stopIds}.
     */
    public int[] eosIds() {
        return eos.clone();
    }

    /** The piece string; throws SpeculaException for out-of-range ids. */
    public String token(int id) {
        if (id < 0 || id >= pieces.length || pieces[id] == null) {
            throw new SpeculaException("token id " + id + " is not in the tokenizer (ids are 0.." + (pieces.length - 1)
                    + "); the model and tokenizer.json may not belong together");
        }
        return pieces[id];
    }

    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    /**
     * Streaming decoder for generated ids: accept(id) returns the newly printable text (never a broken UTF-8
     * sequence: the bytes of a run of {@code <0xNN>} tokens are held back until the run ends, since HF turns an
     * invalid run into U+FFFD as a whole); finish() flushes the rest (invalid leftovers as U+FFFD).
     * stripLeadingSpace: whether the decoder's Strip applies to the very first piece (true when decoding from the
     * start of a sequence, false for continuations after a prompt). Special tokens produce no text.
     * The concatenated output always equals {@link #decode} of the same ids (with stripLeadingSpace=true).
     */
    public StreamDecoder newStreamDecoder(boolean stripLeadingSpace) {
        DecoderChain.Session session = decoder.start(stripLeadingSpace);
        return new StreamDecoder() {
            @Override
            public String accept(int id) {
                String piece = decodable(id);
                return piece == null ? "" : session.accept(piece);
            }

            @Override
            public String finish() {
                return session.finish();
            }
        };
    }

    public interface StreamDecoder {
        String accept(int id);

        String finish();
    }

    @Override
    public String toString() {
        return "Tokenizer[vocabSize=" + pieces.length + ", bos=" + bos + ", eos=" + Arrays.toString(eos) + "]";
    }
}
