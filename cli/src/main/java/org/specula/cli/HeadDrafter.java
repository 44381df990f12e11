package org.specula.cli;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.specula.loader.ModelFolder;
import org.specula.model.ChainHead;
import org.specula.model.ForwardPass;
import org.specula.model.MedusaHeads;
import org.specula.sampling.SamplingParams;
import org.specula.speculative.ChainScorer;
import org.specula.speculative.EagleProposer;
import org.specula.speculative.MedusaProposer;
import org.specula.speculative.MtpProposer;
import org.specula.speculative.Proposer;
import org.specula.speculative.TreeShape;
import org.specula.tensor.SpeculaException;

import java.io.PrintStream;

/**
 * A drafter that reads the target's hidden states: {@code --medusa DIR}, {@code --eagle DIR} or {@code --mtp [DIR]}
 * (without DIR: the MTP layer the target's own weights carry, DeepSeek-V3 style), opened beside the target. Its
 * proposers read the features of a {@link ChainScorer#keepingFeatures} scorer, which the decoder must run.
 */
final class HeadDrafter implements AutoCloseable {
    static final String[] FLAGS = {"medusa", "eagle", "mtp"};

    final String label;               // "Medusa builtin:stories260K-medusa", as the statistics name it
    final String flag;
    private final ModelFolder folder; // null: the target's own MTP layer
    private final MedusaHeads medusa; // exactly one of medusa and chain is set
    private final ChainHead chain;
    private int[] tree;               // --tree's widths per depth; null: chains or dynamic trees
    private int treeNodes;            // --tree-nodes; 0: chains or static trees

    private HeadDrafter(String label, String flag, ModelFolder folder, MedusaHeads medusa, ChainHead chain) {
        this.label = label;
        this.flag = flag;
        this.folder = folder;
        this.medusa = medusa;
        this.chain = chain;
    }

    /** --medusa, --eagle and --mtp, declared once for the commands that decode speculatively. */
    static void declare(Options o, String what) {
        o.addOption(Args.value(null, "medusa", "DIR", "Medusa heads folder or builtin:NAME (FasterDecoding/Medusa "
                + "format): " + what));
        o.addOption(Args.value(null, "eagle", "DIR", "EAGLE-1 head folder or builtin:NAME (SafeAILab/EAGLE format): "
                + what));
        o.addOption(Option.builder().longOpt("mtp").hasArg().optionalArg(true).argName("DIR").desc("DeepSeek-V3-style "
                + "MTP module folder or builtin:NAME; without DIR the layer the model's own weights carry: " + what)
                .build());
        o.addOption(Args.value(null, "tree-nodes", "N", "grow dynamic trees (EAGLE-2's) with --draft, --medusa, "
                + "--eagle or --mtp: each depth expands its 4 likeliest nodes into their 4 likeliest children, and the N "
                + "candidates of highest cumulative probability are verified in one target pass (cut to "
                + "--draft-tokens deep and to one target block)"));
        o.addOption(Args.value(null, "tree", "W1,W2,..", "draft a static tree with --draft, --medusa, --eagle or --mtp: at "
                + "depth d every node gets the W_d tokens the drafter ranks highest there (4,2,1: 4 + 8 + 8 nodes; "
                + "Medusa's head d ranks all of depth d's, EAGLE and MTP run on each node), verified in one target pass "
                + "(cut to --draft-tokens deep and to one target block, 16-64 rows by model size)"));
    }

    /** --tree's widths checked before anything loads (null without --tree): only beside --medusa, each ≥ 1. */
    static int[] tree(Args a) {
        return tree(a, false);
    }

    /** As {@link #tree(Args)}; alone allows --tree without --medusa (bench then times the tree's block only). */
    static int[] tree(Args a, boolean alone) {
        if (!a.has("tree")) {
            return null;
        }
        if (chosen(a) == null && !a.has("draft") && !(alone && !a.has("ngram") && !a.has("early-exit"))) {
            throw new UsageException("--tree drafts static trees with --draft, --medusa, --eagle or --mtp: add one "
                    + "(trees for --ngram and --early-exit are not built)");
        }
        String v = a.required("tree");
        try {
            int[] widths = java.util.Arrays.stream(v.split(",", -1)).map(String::strip).mapToInt(Integer::parseInt)
                    .toArray();
            if (widths.length > 0 && java.util.Arrays.stream(widths).allMatch(w -> w >= 1 && w <= 64)) {
                return widths;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--tree must be widths per depth, comma-separated integers 1..64 such as 4,2,1 "
                + "(got '" + v + "')");
    }

    /** --tree's widths, or null. */
    int[] tree() {
        return tree;
    }

    /** --tree-nodes, or 0. */
    int treeNodes() {
        return treeNodes;
    }

    /** The trees --tree or --tree-nodes ask for (checked as {@link #tree} and {@link #treeNodes} do), or null. */
    static TreeShape shape(Args a) {
        int[] widths = tree(a, true);
        int nodes = treeNodes(a);
        return widths != null ? TreeShape.of(widths) : nodes > 0 ? TreeShape.dynamic(nodes) : null;
    }

    /** The trees the flags ask for, or null for chains. */
    TreeShape shape() {
        return tree != null ? TreeShape.of(tree) : treeNodes > 0 ? TreeShape.dynamic(treeNodes) : null;
    }

    /**
     * --tree-nodes N checked before anything loads (0 without it): beside a head flag, not with --tree, 1..63 (a
     * tree block has at most 64 rows with the root).
     */
    static int treeNodes(Args a) {
        if (!a.has("tree-nodes")) {
            return 0;
        }
        if (chosen(a) == null && !a.has("draft")) {
            throw new UsageException("--tree-nodes grows dynamic trees with --draft, --medusa, --eagle or --mtp: add "
                    + "one");
        }
        if (a.has("tree")) {
            throw new UsageException("--tree and --tree-nodes each choose the trees' shape; give one of them");
        }
        return a.integer("tree-nodes", 16, 1);
    }

    /** Nodes of the --tree block at its full depth, plus the root: a block size the kernels warm up for; 0: none. */
    int treeRows() {
        return tree == null ? 0 : treeParents(tree).length;
    }

    /**
     * The block rows' parents of a static tree with these widths, breadth first: row 0 the root (−1), then depth 1's
     * nodes (parent 0), then every node's children in turn, as MedusaProposer lays its trees out.
     */
    static int[] treeParents(int[] widths) {
        int rows = 1;
        for (int d = 0, level = 1; d < widths.length; d++) {
            level *= widths[d];
            rows += level;
        }
        int[] parents = new int[rows];
        parents[0] = -1;
        int n = 1;
        for (int d = 0, levelStart = 0, levelEnd = 1; d < widths.length; d++) {
            for (int parent = levelStart; parent < levelEnd; parent++) {
                for (int c = 0; c < widths[d]; c++) {
                    parents[n++] = parent;
                }
            }
            levelStart = levelEnd;
            levelEnd = n;
        }
        return parents;
    }

    /**
     * The head flag given (null: none), checked before anything loads: one of them at most, and none beside --draft,
     * --ngram or --early-exit.
     */
    static String chosen(Args a) {
        String chosen = null;
        for (String flag : FLAGS) {
            if (!a.has(flag)) {
                continue;
            }
            if (chosen != null) {
                throw new UsageException("--" + chosen + " and --" + flag + " each choose the drafter; give one of them");
            }
            chosen = flag;
        }
        if (chosen != null) {
            for (String other : new String[]{"draft", "ngram", "early-exit"}) {
                if (a.has(other)) {
                    throw new UsageException("--" + chosen + " and --" + other + " each choose the drafter; give one "
                            + "of them");
                }
            }
        }
        return chosen;
    }

    /**
     * Opens the drafter the flags name for target (null without one). A folder in another format, or heads made for
     * another model, is a one-line error naming the flag, the file and the field.
     */
    static HeadDrafter open(Args a, ModelSession target, PrintStream err) {
        String flag = chosen(a);
        if (flag == null) {
            if (ChainHead.hasMtp(target.folder, target.model)) {
                err.println("specula: " + target.label + " carries an MTP layer; --mtp drafts with it");
            }
            return null;
        }
        if (flag.equals("mtp") && a.string("mtp", null) == null) {
            if (!ChainHead.hasMtp(target.folder, target.model)) {
                throw new UsageException("--mtp without DIR drafts with the MTP layer of the model's own weights, but "
                        + target.label + " has no model.layers." + target.model.config().numLayers()
                        + ".eh_proj.weight; give --mtp DIR");
            }
            return new HeadDrafter("MTP of " + target.label, flag, null, null,
                    wrap(flag, () -> ChainHead.loadMtp(target.folder, target.model)));
        }
        Args.Model m = a.model(flag);
        String format = java.nio.file.Files.isRegularFile(m.dir().resolve(MedusaHeads.WEIGHTS)) ? "medusa"
                : java.nio.file.Files.isRegularFile(m.dir().resolve(ChainHead.MTP_CONFIG)) ? "mtp" : null;
        if (format != null && !format.equals(flag)) {
            throw new UsageException("--" + flag + " " + m.label() + ": this is " + (format.equals("medusa")
                    ? "a Medusa folder (" + MedusaHeads.WEIGHTS + ")" : "an MTP module (" + ChainHead.MTP_CONFIG + ")")
                    + "; give it to --" + format);
        }
        if (m.builtin() && CommonOptions.weights(a) == ModelFolder.Weights.MAP) {
            throw new UsageException("--mmap: " + m.label() + " is read from the jar and cannot be memory-mapped; "
                    + "drop --mmap");
        }
        ModelFolder.Weights weights = m.builtin() ? ModelFolder.Weights.COPY : CommonOptions.weights(a);
        ModelFolder folder = wrap(flag, () -> flag.equals("eagle") ? ModelFolder.open(m.dir(), weights)
                : ModelFolder.openTensors(m.dir(), weights));
        try {
            HeadDrafter drafter = switch (flag) {
                case "medusa" -> new HeadDrafter("Medusa " + m.label(), flag, folder,
                        wrap(flag, () -> MedusaHeads.load(folder, target.model)), null);
                case "eagle" -> new HeadDrafter("EAGLE " + m.label(), flag, folder, null,
                        wrap(flag, () -> ChainHead.loadEagle(folder, target.model)));
                default -> new HeadDrafter("MTP " + m.label(), flag, folder, null,
                        wrap(flag, () -> ChainHead.loadMtp(folder, target.model)));
            };
            drafter.tree = tree(a);
            drafter.treeNodes = treeNodes(a);
            if (drafter.tree != null && drafter.medusa != null && drafter.tree.length > drafter.medusa.count()) {
                throw new UsageException("--tree " + a.required("tree") + " is " + drafter.tree.length + " deep but "
                        + m.label() + " has " + drafter.medusa.count() + " heads, one per depth; give at most "
                        + drafter.medusa.count() + " widths");
            }
            return drafter;
        } catch (RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    /** A loader's one-line error, prefixed with the flag that named the folder. */
    private static <T> T wrap(String flag, java.util.function.Supplier<T> load) {
        try {
            return load.get();
        } catch (SpeculaException e) {
            throw new UsageException("--" + flag + ": " + e.getMessage());
        }
    }

    /**
     * The scorer the decoder runs: it keeps the target's features for the proposer. A tree runs as one target block,
     * so its first depth must fit one (deeper ones are cut to what fits, step by step).
     */
    ChainScorer scorer(ForwardPass target) {
        if (tree != null && tree[0] + 1 > target.maxTreeRows()) {
            throw new UsageException("--tree: its first depth has " + tree[0] + " nodes but one target block of this "
                    + "model holds " + target.maxTreeRows() + " rows with the root; give a first width of at most "
                    + (target.maxTreeRows() - 1));
        }
        return ChainScorer.keepingFeatures(target);
    }

    /** A proposer reading scorer's features. */
    Proposer proposer(ChainScorer scorer, SamplingParams params, long seed, double pMin) {
        if (medusa != null) {
            return new MedusaProposer(scorer, medusa, params, seed, pMin, shape());
        }
        return chain.kind() == ChainHead.Kind.EAGLE ? new EagleProposer(scorer, chain, params, seed, pMin, shape())
                : new MtpProposer(scorer, chain, params, seed, pMin, shape());
    }

    @Override
    public void close() {
        if (folder != null) {
            folder.close();
        }
    }
}
