package org.specula.loader.chat;

import org.specula.loader.tokenizer.Tokenizer;
import org.specula.tensor.SpeculaException;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chat formats of the model families Specula runs, rendered in Java exactly as the models' Jinja chat_template
 * renders them (no Jinja engine): a conversation becomes one string that holds the special tokens as text, to be
 * encoded with {@code parseSpecial = true} and without adding BOS again ({@link #encode} does both).
 * <ul>
 * <li>llama3: {@code <|begin_of_text|>} then per message {@code <|start_header_id|>ROLE<|end_header_id|>\n\n}
 * CONTENT (trimmed) {@code <|eot_id|>}; the generation prompt is an open assistant header (Llama 3 / 3.0 form: the
 * 3.1+ templates also add "Cutting Knowledge Date" lines to the system turn, which this does not).</li>
 * <li>llama2: {@code <s>[INST] <<SYS>>\nSYSTEM\n<</SYS>>\n\nUSER [/INST] ASSISTANT </s><s>[INST] USER [/INST]};
 * roles must alternate user/assistant after an optional system message, as the template enforces.</li>
 * <li>chatml (Qwen2, SmolLM2): per message {@code <|im_start|>ROLE\nCONTENT<|im_end|>\n}; the generation prompt
 * is {@code <|im_start|>assistant\n}; a default system message taken from the model's template is put first when
 * the conversation has none.</li>
 * <li>plain: "System: ...", "User: ...", "Assistant: ..." lines, for models without a chat format.</li>
 * </ul>
 */
public final class ChatTemplate {
    /** The names {@link #byName} accepts (the CLI's --chat-template). */
    public static final List<String> NAMES = List.of("llama3", "llama2", "chatml", "plain");

    private static final Pattern CHATML_DEFAULT_SYSTEM =
            Pattern.compile("<\\|im_start\\|>system(?:\\\\n|\\n)([^'\"{}<\\\\]+)<\\|im_end\\|>");

    private final String name;
    private final String defaultSystem;   // chatml only; null when none

    private ChatTemplate(String name, String defaultSystem) {
        this.name = name;
        this.defaultSystem = defaultSystem;
    }

    /** The built-in of that name; unknown names are a SpeculaException listing the known ones. */
    public static ChatTemplate byName(String name) {
        if (!NAMES.contains(name)) {
            throw new SpeculaException("unknown chat template \"" + name + "\"; the built-in templates are "
                    + String.join(", ", NAMES));
        }
        return new ChatTemplate(name, null);
    }

    /**
     * The built-in that renders like the given Jinja chat_template, recognised by its distinctive markers; plain
     * when the template is null or unrecognised. A ChatML template's default system message is kept.
     */
    public static ChatTemplate detect(String chatTemplateJinjaOrNull) {
        String t = chatTemplateJinjaOrNull;
        if (t == null) {
            return byName("plain");
        }
        if (t.contains("<|start_header_id|>")) {
            return byName("llama3");
        }
        if (t.contains("<|im_start|>")) {
            Matcher m = CHATML_DEFAULT_SYSTEM.matcher(t);
            return new ChatTemplate("chatml", m.find() ? m.group(1) : null);
        }
        if (t.contains("[INST]")) {
            return byName("llama2");
        }
        return byName("plain");
    }

    /**
     * The template of a tokenizer: its chat_template when tokenizer_config.json has one, else guessed from its
     * special tokens (a Llama 3 or ChatML vocabulary without a template, e.g. a base model), else plain.
     */
    public static ChatTemplate forTokenizer(Tokenizer tokenizer) {
        Optional<String> jinja = tokenizer.chatTemplate();
        if (jinja.isPresent()) {
            return detect(jinja.get());
        }
        if (specialId(tokenizer, "<|start_header_id|>") >= 0) {
            return byName("llama3");
        }
        if (specialId(tokenizer, "<|im_start|>") >= 0) {
            return byName("chatml");
        }
        return byName("plain");
    }

    public String name() {
        return name;
    }

    /** The conversation as the model's template renders it; addGenerationPrompt opens an assistant turn. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        switch (name) {
            case "llama3" -> {
                out.append("<|begin_of_text|>");
                for (Message m : messages) {
                    out.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                            .append(strip(m.content())).append("<|eot_id|>");
                }
                if (addGenerationPrompt) {
                    out.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
                }
            }
            case "llama2" -> llama2(messages, out);
            case "chatml" -> {
                if (defaultSystem != null && (messages.isEmpty() || !messages.getFirst().role().equals("system"))) {
                    out.append("<|im_start|>system\n").append(defaultSystem).append("<|im_end|>\n");
                }
                for (Message m : messages) {
                    out.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
                }
                if (addGenerationPrompt) {
                    out.append("<|im_start|>assistant\n");
                }
            }
            default -> {
                for (Message m : messages) {
                    out.append(capitalized(m.role())).append(": ").append(m.content()).append('\n');
                }
                if (addGenerationPrompt) {
                    out.append("Assistant:");
                }
            }
        }
        return out.toString();
    }

    /** Llama 2's template: the system text goes inside the first [INST]; the template adds no generation prompt. */
    private static void llama2(List<Message> messages, StringBuilder out) {
        List<Message> turns = messages;
        String system = null;
        if (!messages.isEmpty() && messages.getFirst().role().equals("system")) {
            system = messages.getFirst().content();
            turns = messages.subList(1, messages.size());
        }
        for (int i = 0; i < turns.size(); i++) {
            Message m = turns.get(i);
            String expected = i % 2 == 0 ? "user" : "assistant";
            if (!m.role().equals(expected)) {
                int number = i + (system == null ? 1 : 2);
                throw new SpeculaException("chat template llama2: message " + number + " has role \"" + m.role()
                        + "\" but Llama 2 needs roles alternating user/assistant after an optional first"
                        + " system message");
            }
            String content = i == 0 && system != null
                    ? "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + m.content() : m.content();
            if (expected.equals("user")) {
                out.append("<s>[INST] ").append(strip(content)).append(" [/INST]");
            } else {
                out.append(' ').append(strip(content)).append(" </s>");
            }
        }
    }

    /**
     * The ids of the rendered conversation, special tokens parsed. The model formats hold their BOS in the
     * rendering, so none is added; the plain format has none, so the tokenizer adds it as for any prompt.
     */
    public int[] encode(Tokenizer tokenizer, List<Message> messages, boolean addGenerationPrompt) {
        return tokenizer.encode(render(messages, addGenerationPrompt), name.equals("plain"), true);
    }

    /** The token that ends an assistant turn in this format, if it has one besides EOS. */
    public Optional<String> endOfTurn() {
        return switch (name) {
            case "llama3" -> Optional.of("<|eot_id|>");
            case "chatml" -> Optional.of("<|im_end|>");
            default -> Optional.empty();
        };
    }

    /** The ids generation stops at in a chat: the tokenizer's EOS ids and this format's end-of-turn token. */
    public int[] stopIds(Tokenizer tokenizer) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (int id : tokenizer.eosIds()) {
            ids.add(id);
        }
        endOfTurn().map(token -> specialId(tokenizer, token)).filter(id -> id >= 0).ifPresent(ids::add);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The id of a special token given by its text, or -1 when the tokenizer has no such special token. */
    private static int specialId(Tokenizer tokenizer, String text) {
        int[] ids = tokenizer.encode(text, false, true);
        return ids.length == 1 && tokenizer.isSpecial(ids[0]) ? ids[0] : -1;
    }

    /** Python's str.strip() (Jinja's trim): removes leading and trailing Unicode whitespace. */
    static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isPythonSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isPythonSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isPythonSpace(char c) {
        return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }

    private static String capitalized(String role) {
        return role.isEmpty() ? role : role.substring(0, 1).toUpperCase(Locale.ROOT) + role.substring(1);
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + name + (defaultSystem == null ? "" : ", default system \"" + defaultSystem + "\"")
                + "]";
    }
}
