package org.specula.speculative;

import org.specula.speculative.SpeculativeDecoder.StepObserver;
import org.specula.speculative.SpeculativeSampling.Verdict;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * How many tokens the loop asks the proposer for each step: a fixed k, or {@link Adaptive}, chosen each step from
 * what the run has measured. The loop consults {@link #next} before each step and clamps the answer to the context
 * and the tokens still to generate; the policy watches the loop through {@link #observer} (the loop holds no clock).
 * Any k is exact: verification emits the target's law whatever was drafted, and greedy output is plain greedy's.
 */
public sealed interface DraftLength permits DraftLength.Fixed, DraftLength.Adaptive {

    /** The draft length for the next step, in 0..{@link #max}. */
    int next();

    /** The largest k this policy ever asks for (the loop sizes its buffers by it). */
    int max();

    /** What the policy learns from: called by the loop after the run's statistics, before the caller's observer. */
    StepObserver observer();

    /** k every step. */
    static DraftLength fixed(int k) {
        return new Fixed(k);
    }

    /** k chosen each step in 0..max by {@link Adaptive}'s rule, timed with System.nanoTime. */
    static DraftLength adaptive(int max) {
        return new Adaptive(max, System::nanoTime);
    }

    /** The same k every step; it observes nothing. */
    record Fixed(int k) implements DraftLength {
        private static final StepObserver NONE = (tokens, length) -> { };

        public Fixed {
            if (k < 0) {
                throw new IllegalArgumentException("draftTokens must be >= 0 (got " + k + ")");
            }
        }

        @Override
        public int next() {
            return k;
        }

        @Override
        public int max() {
            return k;
        }

        @Override
        public StepObserver observer() {
            return NONE;
        }
    }

    /**
     * Chooses k in 0..max each step to maximise expected tokens per unit of time:
     * <pre>
     *   k* = argmax_k  (1 + Σ_{i&lt;k} Π_{j≤i} α_j) / (k · c_draft + c_verify(k + 1))
     * </pre>
     * where α_j is the running acceptance of draft position j given that drafts 0..j−1 were accepted, c_draft the
     * running cost of one draft token and c_verify(j) that of a step that scores j positions (the target's pass, the
     * verdict, the commit and the rollbacks). The numerator counts the emitted tokens: one residual or bonus token
     * plus each draft accepted with its whole prefix. Ties go to the smaller k.
     *
     * <p>Estimates: α_j is an exponentially weighted mean (weight {@link #RATE} per observation) starting from the
     * prior {@link #PRIOR_ACCEPTANCE}, updated only at positions a step drafted and reached (a position after a
     * rejection says nothing about α there). Each step for which the policy asked no draft moves every α_j
     * {@link #EXPLORE} of the way back to the prior, and after {@link #PROBE_INTERVAL} such steps in a row the next
     * asks for one draft, so a policy that settled on k = 0 keeps checking that it should; a probe after which the rule
     * still says 0 doubles that interval (up to {@link #PROBE_INTERVAL_MAX}: a draft model catching up costs time), one
     * after which it drafts resets it. Costs are measured wall time (the first measurement taken as it is). Each
     * c_verify(j) is an exponentially weighted mean (weight {@link #COST_RATE}), except that a measurement under half
     * the estimate replaces it (the estimate came from a cold JIT, which costs 10 to 1000 times as much): a low
     * quantile would be biased between sizes, since the k the policy keeps is measured far more often than the others
     * and so reaches further into the low tail. c_draft, one estimate, tracks a low quantile: a measurement below it
     * moves it {@link #COST_RATE_DOWN} of the way, one above only {@link #COST_RATE_UP}, as a drafter catching up on
     * tokens it missed (after steps without drafts) or a collector pause only adds time. A step's draft time is divided
     * by the drafts it produced (at least one, so a drafter that stops early pays for the step that stopped it); the
     * first step of each run is left out of it, as a draft model feeds the whole prompt there. An estimate of
     * c_verify(j) not measured in the last {@link #STALE_STEPS} steps is stale (a cold JIT or a busy machine may have
     * set it) and is read like one never measured: linearly between the nearest fresh sizes; above the largest, with
     * the slope of the two nearest, never below the largest (flat where only one is fresh); below the smallest, with
     * their slope but never below the proportional bound c_verify(s) · j / s. Both ends err on the cheap side, so a
     * size the policy has not seen lately looks worth a try and is measured again. Last, the estimates are held to what
     * a block forward can cost: scoring more positions never costs less, and never more than proportionally more
     * (c_verify(j) ≤ c_verify(j + 1) ≤ c_verify(j) · (j + 1) / j); an estimate out of line, such as one size timed once
     * while the JIT compiled it, is lowered to its neighbours' bound. Until a draft token has been timed the policy
     * asks for one draft.
     *
     * <p>Deterministic given its inputs: the clock is an argument, and {@link #update} takes a step's figures
     * directly, so tests drive it with synthetic timings. Because k depends on timing, a sampled run with a seed is
     * reproducible in law, not token for token (greedy output is plain greedy's whatever k is).
     */
    final class Adaptive implements DraftLength {
        static final double PRIOR_ACCEPTANCE = 0.6;
        static final double RATE = 0.1;
        static final double COST_RATE = 0.1;
        static final double COST_RATE_DOWN = 0.3;
        static final double COST_RATE_UP = 0.05;
        static final double EXPLORE = 0.02;
        static final int PROBE_INTERVAL = 16;
        static final int PROBE_INTERVAL_MAX = 512;
        static final int STALE_STEPS = 256;
        private final int max;
        private final double[] acceptance; // [max] α_j, conditional on drafts 0..j−1 accepted
        private final double[] verifyNanos; // [max + 2] c_verify(j) for j = 1..max+1, NaN: never measured
        private final long[] measuredAt;    // [max + 2] the step that last measured c_verify(j)
        private long step;                  // steps observed
        private double draftNanos = Double.NaN; // c_draft, per draft token
        private int undrafted; // steps in a row for which the policy asked no draft
        private int probeInterval = PROBE_INTERVAL; // undrafted steps after which the next asks for one draft
        private final LongSupplier clock;
        private final StepObserver observer;

        /** Chooses k in 0..max (max ≥ 1), reading time from clock (nanoseconds). */
        public Adaptive(int max, LongSupplier clock) {
            if (max < 1) {
                throw new IllegalArgumentException("an adaptive draft length needs a max >= 1 (got " + max + ")");
            }
            this.max = max;
            this.acceptance = new double[max];
            Arrays.fill(acceptance, PRIOR_ACCEPTANCE);
            this.verifyNanos = new double[max + 2];
            this.measuredAt = new long[max + 2];
            Arrays.fill(verifyNanos, Double.NaN);
            this.clock = clock;
            this.observer = new Timer();
        }

        @Override
        public int max() {
            return max;
        }

        @Override
        public StepObserver observer() {
            return observer;
        }

        @Override
        public int next() {
            return Double.isNaN(draftNanos) || undrafted >= probeInterval ? 1 : best();
        }

        /** The rule's k from the estimates as they are. */
        private int best() {
            int best = 0;
            double bestRate = 0;
            double tokens = 1;   // expected emitted tokens with k drafts
            double reached = 1;  // Π α_j over the drafts so far: all of them accepted
            double[] verifyCost = verifyProfile();
            for (int k = 0; k <= max; k++) {
                if (k > 0) {
                    reached *= acceptance[k - 1];
                    tokens += reached;
                }
                double rate = tokens / (k * draftNanos + verifyCost[k + 1]);
                if (rate > bestRate) {
                    best = k;
                    bestRate = rate;
                }
            }
            return best;
        }

        /**
         * One step's figures: drafts asked for and drafted, accepted drafts, and the nanoseconds spent drafting
         * (negative: not timed) and verifying (the verification scored drafted + 1 positions).
         */
        public void update(int asked, int drafted, int accepted, long draftTime, long verifyTime) {
            if (asked > 0 && draftTime >= 0) {
                draftNanos = cost(draftNanos, (double) draftTime / Math.max(drafted, 1));
            }
            step++;
            boolean stale = !fresh(drafted + 1); // a stale estimate starts again from this measurement
            double current = verifyNanos[drafted + 1];
            boolean outlier = verifyTime < current / 2; // the estimate came from a cold JIT or a busy moment
            verifyNanos[drafted + 1] = stale || outlier ? verifyTime : current + COST_RATE * (verifyTime - current);
            measuredAt[drafted + 1] = step;
            boolean probe = asked > 0 && undrafted >= probeInterval;
            undrafted = asked == 0 ? undrafted + 1 : 0;
            if (asked == 0) {
                for (int j = 0; j < max; j++) {
                    acceptance[j] += EXPLORE * (PRIOR_ACCEPTANCE - acceptance[j]);
                }
            }
            for (int j = 0; j < Math.min(drafted, accepted + 1); j++) {
                acceptance[j] += RATE * ((j < accepted ? 1 : 0) - acceptance[j]);
            }
            if (probe) {
                probeInterval = best() == 0 ? Math.min(2 * probeInterval, PROBE_INTERVAL_MAX) : PROBE_INTERVAL;
            }
        }

        /** α_j, the running acceptance at draft position j given its prefix accepted. */
        double acceptance(int j) {
            return acceptance[j];
        }

        /** c_draft, the running cost of one draft token; NaN until a draft has been timed. */
        double draftCost() {
            return draftNanos;
        }

        /**
         * c_verify(j) as the rule reads it: the estimates held to a block's bounds, c_verify(j) ≤ c_verify(j + 1) and
         * c_verify(j + 1) ≤ c_verify(j) · (j + 1) / j, by lowering the one out of line (see the class comment); 0
         * before anything was measured (next() asks for one draft until then).
         */
        double verifyCost(int j) {
            return verifyProfile()[j];
        }

        /** c_verify(j) for j = 1..max+1 (index 0 unused), as {@link #verifyCost} reads it. */
        private double[] verifyProfile() {
            double[] profile = new double[verifyNanos.length];
            for (int i = 1; i < profile.length; i++) {
                profile[i] = estimate(i);
                if (i > 1) {
                    profile[i] = Math.min(profile[i], profile[i - 1] * i / (i - 1));
                }
            }
            for (int i = profile.length - 2; i >= 1; i--) {
                profile[i] = Math.min(profile[i], profile[i + 1]);
            }
            return profile;
        }

        /** c_verify(j)'s estimate while fresh, else read off the fresh estimates of other sizes. */
        private double estimate(int j) {
            if (fresh(j)) {
                return verifyNanos[j];
            }
            int below = j - 1;
            while (below >= 1 && !fresh(below)) below--;
            int above = j + 1;
            while (above < verifyNanos.length && !fresh(above)) above++;
            if (below >= 1 && above < verifyNanos.length) {
                return line(below, above, j);
            }
            if (below >= 1) { // beyond the largest: the two nearest's slope, never below the largest's cost
                int second = below - 1;
                while (second >= 1 && !fresh(second)) second--;
                return second < 1 ? verifyNanos[below] : Math.max(line(second, below, j), verifyNanos[below]);
            }
            if (above < verifyNanos.length) { // below the smallest: the two nearest's slope, never below j/above of it
                int second = above + 1;
                while (second < verifyNanos.length && !fresh(second)) second++;
                double proportional = verifyNanos[above] * j / above;
                return second >= verifyNanos.length ? proportional : Math.max(line(above, second, j), proportional);
            }
            return Double.isNaN(verifyNanos[j]) ? 0 : verifyNanos[j]; // unreachable once a step was measured
        }

        /** Whether c_verify(j) was measured within the last {@link #STALE_STEPS} steps. */
        private boolean fresh(int j) {
            return !Double.isNaN(verifyNanos[j]) && step - measuredAt[j] <= STALE_STEPS;
        }

        private double line(int a, int b, int j) {
            return verifyNanos[a] + (verifyNanos[b] - verifyNanos[a]) * (j - a) / (b - a);
        }

        /** The running draft cost after a measurement x: quick to fall, slow to rise (a low quantile, not the mean). */
        private static double cost(double current, double x) {
            return Double.isNaN(current) ? x : current + (x < current ? COST_RATE_DOWN : COST_RATE_UP) * (x - current);
        }

        /** Times each step: drafting from the loop's ask to the draft, verification from the draft to the commit. */
        private final class Timer implements StepObserver {
            private boolean first; // the run's first step: a draft model catches up on the prompt
            private int asked;
            private long askedAt;
            private long proposedAt;
            private int drafted;
            private int accepted;

            @Override
            public void started() {
                first = true;
            }

            @Override
            public void drafting(int k) {
                asked = k;
                askedAt = clock.getAsLong();
            }

            @Override
            public void proposed(Draft draft) {
                proposedAt = clock.getAsLong();
            }

            @Override
            public void verified(Draft draft, Verdict verdict) {
                drafted = draft.count();
                accepted = verdict.acceptedCount();
            }

            @Override
            public void committed(int[] tokens, int length) {
                update(asked, drafted, accepted, first ? -1 : proposedAt - askedAt, clock.getAsLong() - proposedAt);
                first = false;
            }
        }
    }
}
