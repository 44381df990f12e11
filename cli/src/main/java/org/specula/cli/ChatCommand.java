package org.specula.cli;

import org.apache.commons.cli.Options;
import org.specula.loader.chat.ChatTemplate;
import org.specula.loader.chat.Message;
import org.specula.loader.tokenizer.Tokenizer;
import org.specula.sampling.SamplingParams;
import org.specula.speculative.Generation;
import org.specula.speculative.StopCondition;
import org.specula.tensor.DType;
import org.specula.tensor.Kernels;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code specula chat}: an interactive conversation in the model's chat format, streaming each reply, plain or
 * speculative (a draft model, n-gram lookup over the conversation, or the target's first layers). Lines starting
 * with / are commands: /reset, /stats, /quit. Each turn re-encodes the whole conversation; the decoders keep the
 * KV-cache prefix it shares with the previous turn, so only new text is fed, and the n-gram index likewise rolls
 * back only what the turn changed.
 */
final class ChatCommand extends Main.Command {

    ChatCommand() {
        super("interactive chat in the model's chat format (/reset, /stats, /quit)");
    }

    @Override
    void declare(Options o) {
        CommonOptions.addModel(o, "the model to run");
        CommonOptions.addDraft(o, "decode speculatively");
        HeadDrafter.declare(o, "decode speculatively");
        CommonOptions.addChat(o, "system prompt");
        o.addOption(Args.value("n", "max-tokens", "N", "tokens per reply at most (default 512)"));
        CommonOptions.addSampling(o);
        CommonOptions.addRuntime(o);
    }

    @Override
    int run(Args a, InputStream in, PrintStream out, PrintStream err) throws Exception {
        int maxTokens = a.integer("max-tokens", 512, 1);
        CommonOptions.Drafts drafts = CommonOptions.drafts(a);
        CommonOptions.Ngram ngram = CommonOptions.ngram(a);
        int earlyExit = CommonOptions.earlyExit(a);
        HeadDrafter.chosen(a); // checked before anything loads
        HeadDrafter.treeNodes(a);
        HeadDrafter.tree(a);
        SamplingParams params = CommonOptions.sampling(a);
        long seed = CommonOptions.seed(a);
        DType kvDType = CommonOptions.kvDType(a);
        try (Kernels kernels = CommonOptions.kernels(a, err);
             ModelSession target = ModelSession.target(a, kernels, err);
             ModelSession draft = ModelSession.draft(a, kernels);
             HeadDrafter head = HeadDrafter.open(a, target, err)) {
            Tokenizer tokenizer = target.tokenizer();
            ChatTemplate template = template(a, tokenizer);
            Decoding decoding = new Decoding(target, draft, ngram, earlyExit, head, target.context(a), drafts, params,
                    kvDType);
            StopCondition stop = new StopCondition(maxTokens,
                    union(target.model.config().eosIds(), template.stopIds(tokenizer)));
            List<Message> history = new ArrayList<>();
            if (a.has("system")) {
                history.add(Message.system(a.required("system")));
            }
            int systemMessages = history.size();
            err.println("specula chat: " + target.folder.dir().getFileName() + ", " + template.name() + " format"
                    + (decoding.speculative() ? ", speculative with k=" + drafts.label() : "")
                    + (ngram != null ? " by " + ngram.label() : "")
                    + (earlyExit > 0 ? " by " + CommonOptions.earlyExitLabel(earlyExit) : "")
                    + (head != null ? " by " + head.label : "")
                    + "; /reset clears the conversation, /stats shows the last reply's figures, /quit ends");
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            Generation last = null; // the last reply's figures, for /stats; null after /reset
            int turn = 0;
            while (true) {
                out.print("> ");
                out.flush();
                String line = reader.readLine();
                if (line == null || line.strip().equals("/quit") || line.strip().equals("/exit")) {
                    out.println();
                    return 0;
                }
                String text = line.strip();
                if (text.isEmpty()) {
                    continue;
                }
                if (text.equals("/reset")) {
                    history.subList(systemMessages, history.size()).clear();
                    last = null; // /stats speaks of the conversation it follows, so it is cleared with it
                    out.println("(conversation cleared)");
                    continue;
                }
                if (text.equals("/stats")) {
                    if (last == null) {
                        out.println("(no reply yet)");
                    } else {
                        GenerateCommand.report(last, seed, kernels, drafts, out);
                    }
                    continue;
                }
                if (text.startsWith("/")) {
                    out.println("(unknown command " + text + "; use /reset, /stats or /quit)");
                    continue;
                }
                history.add(Message.user(text));
                int[] prompt = template.encode(tokenizer, history, true);
                if (prompt.length >= decoding.context()) {
                    history.remove(history.size() - 1);
                    out.println("(the conversation has " + prompt.length + " tokens and fills the context of "
                            + decoding.context() + "; /reset it or raise --context)");
                    continue;
                }
                Tokenizer.StreamDecoder decoder = tokenizer.newStreamDecoder(true);
                StringBuilder reply = new StringBuilder();
                last = decoding.generate(prompt, stop, GenerateCommand.derivedSeed(seed, turn++), id -> {
                    String piece = decoder.accept(id);
                    reply.append(piece);
                    out.print(piece);
                    out.flush();
                });
                String rest = decoder.finish();
                reply.append(rest);
                out.println(rest);
                // a reply that ended for want of room, not at a stop token, says so where it ends
                if (last.stopReason() == Generation.StopReason.LENGTH) {
                    out.println("(reply cut at " + maxTokens + " tokens; raise --max-tokens for longer replies)");
                } else if (last.stopReason() == Generation.StopReason.CONTEXT) {
                    out.println("(reply cut: the context of " + decoding.context() + " tokens is full; /reset it or "
                            + "raise --context)");
                }
                history.add(Message.assistant(reply.toString().strip()));
            }
        }
    }

    /** --chat-template NAME, else the format recognised from the tokenizer's chat_template. */
    static ChatTemplate template(Args a, Tokenizer tokenizer) {
        return a.has("chat-template") ? ChatTemplate.byName(a.required("chat-template"))
                : ChatTemplate.forTokenizer(tokenizer);
    }

    static int[] union(int[] a, int[] b) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (int id : a) {
            ids.add(id);
        }
        for (int id : b) {
            ids.add(id);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
