package dev.ghactivity.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a workload and its baseline alternately (measured first in even trials, baseline first in odd
 * ones, so drift of a noisy machine hits both), after warm-ups that are thrown away, and keeps medians.
 */
final class Trials {
    /** One run of a workload: its throughput in units per second. {@code trial} numbers runs, warm-ups included, from 0. */
    @FunctionalInterface
    interface Run {
        double perSecond(int trial) throws Exception;
    }

    record Outcome(List<Double> measured, List<Double> baseline) {
        double measuredMedian() {
            return median(measured);
        }

        double baselineMedian() {
            return median(baseline);
        }

        double ratio() {
            return measuredMedian() / baselineMedian();
        }
    }

    private Trials() {
    }

    static Outcome alternate(int warmups, int trials, Run measured, Run baseline) throws Exception {
        List<Double> m = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        for (int i = 0; i < warmups + trials; i++) {
            double mv;
            double bv;
            if (i % 2 == 0) {
                mv = measured.perSecond(i);
                bv = baseline.perSecond(i);
            } else {
                bv = baseline.perSecond(i);
                mv = measured.perSecond(i);
            }
            if (i >= warmups) {
                m.add(mv);
                b.add(bv);
            }
        }
        return new Outcome(m, b);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
