package org.specula.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specula.loader.chat.ChatTemplate;
import org.specula.loader.chat.Message;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.tensor.SpeculaException;
import org.specula.testdata.Samples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each built-in renders a two-turn conversation as the model's Jinja template does (expected strings written out
 * by hand from the templates below), detection recognises those templates, and the Llama 3 rendering encodes to
 * the expected special-token ids.
 */
class ChatTemplateTest {
    /** meta-llama/Meta-Llama-3-8B-Instruct. */
    static final String LLAMA3_JINJA = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set"
            + " content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] |"
            + " trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
            + "{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>"
            + "\\n\\n' }}{% endif %}";
    /** meta-llama/Llama-2-7b-chat-hf. */
    static final String LLAMA2_JINJA = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:]"
            + " %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set"
            + " system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] =="
            + " 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate"
            + " user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false"
            + " %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else"
            + " %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token +"
            + " '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  +"
            + " content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";
    /** Qwen/Qwen2-0.5B-Instruct. */
    static final String QWEN2_JINJA = "{% for message in messages %}{% if loop.first and messages[0]['role'] !="
            + " 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>'"
            + " + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if"
            + " add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    /** HuggingFaceTB/SmolLM2-135M-Instruct. */
    static final String SMOLLM2_JINJA = "{% for message in messages %}{% if loop.first and messages[0]['role'] !="
            + " 'system' %}{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging"
            + " Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] +"
            + " '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%"
            + " endif %}";

    private static final List<Message> CONVERSATION = List.of(
            Message.system("You are terse."),
            Message.user("Hi!"),
            Message.assistant("Hello. How can I help?"),
            Message.user("Name a color. "));

    @Test
    void llama3RendersLikeItsTemplate() {
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nHello. How can I help?<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nName a color.<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                ChatTemplate.detect(LLAMA3_JINJA).render(CONVERSATION, true));
    }

    @Test
    void llama2RendersLikeItsTemplate() {
        String expected = "<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHi! [/INST] Hello. How can I help? </s>"
                + "<s>[INST] Name a color. [/INST]";
        ChatTemplate llama2 = ChatTemplate.detect(LLAMA2_JINJA);
        assertEquals(expected, llama2.render(CONVERSATION, true));
        assertEquals(expected, llama2.render(CONVERSATION, false), "the template has no generation prompt");
        assertEquals("<s>[INST] Hi [/INST]", llama2.render(List.of(Message.user(" Hi")), true));
        SpeculaException e = assertThrows(SpeculaException.class,
                () -> llama2.render(List.of(Message.system("s"), Message.assistant("a")), true));
        assertTrue(e.getMessage().contains("message 2 has role \"assistant\""), e.getMessage());
    }

    @Test
    void chatmlRendersLikeQwen2AndSmolLM2() {
        String expected = "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\nHello. How can I help?<|im_end|>\n<|im_start|>user\nName a color. <|im_end|>\n"
                + "<|im_start|>assistant\n";
        for (String jinja : List.of(QWEN2_JINJA, SMOLLM2_JINJA)) {
            assertEquals(expected, ChatTemplate.detect(jinja).render(CONVERSATION, true));
        }
        assertEquals(expected, ChatTemplate.byName("chatml").render(CONVERSATION, true));
        List<Message> noSystem = List.of(Message.user("Hi!"));
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n",
                ChatTemplate.detect(QWEN2_JINJA).render(noSystem, false), "Qwen2's default system message");
        assertEquals("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
                + "<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.detect(SMOLLM2_JINJA).render(noSystem, true));
        assertEquals("<|im_start|>user\nHi!<|im_end|>\n", ChatTemplate.byName("chatml").render(noSystem, false));
    }

    @Test
    void plainFallback() {
        assertEquals("System: You are terse.\nUser: Hi!\nAssistant: Hello. How can I help?\nUser: Name a color. \n"
                + "Assistant:", ChatTemplate.byName("plain").render(CONVERSATION, true));
        assertEquals("plain", ChatTemplate.detect(null).name());
        assertEquals("plain", ChatTemplate.detect("{{ messages }}").name());
    }

    @Test
    void namesAndDetection() {
        for (String name : ChatTemplate.NAMES) {
            assertEquals(name, ChatTemplate.byName(name).name());
        }
        assertEquals("llama3", ChatTemplate.detect(LLAMA3_JINJA).name());
        assertEquals("llama2", ChatTemplate.detect(LLAMA2_JINJA).name());
        assertEquals("chatml", ChatTemplate.detect(QWEN2_JINJA).name());
        SpeculaException e = assertThrows(SpeculaException.class, () -> ChatTemplate.byName("vicuna"));
        assertEquals("unknown chat template \"vicuna\"; the built-in templates are llama3, llama2, chatml, plain",
                e.getMessage());
    }

    @Test
    void llama3ConversationEncodesToItsSpecialTokens() {
        Tokenizer llama3 = ByteLevelTokenizerTest.llama3();
        ChatTemplate chat = ChatTemplate.forTokenizer(llama3);
        assertEquals("llama3", chat.name(), "no chat_template in the shared folder: recognised by its vocabulary");
        int[] ids = chat.encode(llama3, CONVERSATION, true);
        // <|begin_of_text|> <|start_header_id|> system <|end_header_id|> \n\n You are terse . <|eot_id|>
        int[] start = {128000, 128006, 9125, 128007, 271};
        assertArrayEquals(start, Arrays.copyOf(ids, start.length), Arrays.toString(ids));
        assertEquals(128009, ids[start.length + 4], "You, are, terse, ., then <|eot_id|>: " + Arrays.toString(ids));
        assertArrayEquals(new int[] {128006, 78191, 128007, 271}, Arrays.copyOfRange(ids, ids.length - 4, ids.length));
        assertEquals(1, Arrays.stream(ids).filter(id -> id == 128000).count(), "exactly one BOS");
        assertArrayEquals(new int[] {128001, 128009}, chat.stopIds(llama3));
        assertEquals("systemYou are terse.userHi!assistantHello. How can I help?userName a color.assistant",
                llama3.decode(ids).replace("\n", ""));
    }

    @Test
    void llama2ConversationEncodesWithOneBosPerTurn() {
        Tokenizer llama2 = TokenizerTest.llama2();
        ChatTemplate chat = ChatTemplate.byName("llama2");
        int[] ids = chat.encode(llama2, CONVERSATION, true);
        assertEquals(1, ids[0]);
        assertEquals(2, Arrays.stream(ids).filter(id -> id == 1).count(), Arrays.toString(ids));
        assertEquals(1, Arrays.stream(ids).filter(id -> id == 2).count(), Arrays.toString(ids));
        assertArrayEquals(new int[] {2}, chat.stopIds(llama2));
    }

    @Test
    void chatTemplateComesFromTokenizerConfig(@TempDir Path dir) throws IOException {
        Files.copy(Samples.path("tokenizers/llama3/tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<|begin_of_text|>\","
                + " \"chat_template\": " + Json.quote(QWEN2_JINJA) + "}");
        Tokenizer t = Tokenizer.load(dir);
        assertEquals(QWEN2_JINJA, t.chatTemplate().orElseThrow());
        assertEquals("chatml", ChatTemplate.forTokenizer(t).name());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"tool_use\","
                + " \"template\": \"x\"}, {\"name\": \"default\", \"template\": " + Json.quote(LLAMA3_JINJA) + "}]}");
        assertEquals(LLAMA3_JINJA, Tokenizer.load(dir).chatTemplate().orElseThrow());
        assertTrue(ByteLevelTokenizerTest.llama3().chatTemplate().isEmpty());
    }
}
