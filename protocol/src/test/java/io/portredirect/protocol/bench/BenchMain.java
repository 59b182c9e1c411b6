package io.portredirect.protocol.bench;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;

/**
 * Runs {@link RedirectPathBenchmark} with JMH's GC profiler and prints, per address family,
 * nanoseconds per packet and bytes allocated per packet (gc.alloc.rate.norm).
 *
 * <p>From the repository root (JMH options such as {@code -wi 2 -i 3 -r 1s} go in bench.args):
 * <pre>
 *   mvn -o -q -pl protocol -Pbench verify -Dbench.args="-wi 2 -i 3"
 * </pre>
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        Options opts = new OptionsBuilder()
                .parent(new CommandLineOptions(args))
                .include(RedirectPathBenchmark.class.getName())
                .addProfiler(GCProfiler.class)
                .build();
        Collection<RunResult> results = new Runner(opts).run();
        System.out.println();
        System.out.println("parse + find redirect option + rewrite dst (incremental IP/L4 checksums), per packet:");
        System.out.printf("%-8s %14s %18s%n", "family", "ns/packet", "bytes alloc/packet");
        for (RunResult r : results) {
            Result<?> time = r.getPrimaryResult();
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            System.out.printf("%-8s %8.1f ± %-5.1f %18s%n", r.getParams().getParam("family"), time.getScore(), time.getScoreError(),
                    alloc == null ? "n/a" : String.format("%.3f", alloc.getScore()));
        }
    }
}
