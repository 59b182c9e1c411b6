package io.portredirect.balancer.bench;

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
 * Runs {@link DecideRewriteBenchmark} with JMH's GC profiler and prints, per workload, packets per
 * second on one core (Mpps) and bytes allocated per packet (gc.alloc.rate.norm).
 *
 * <pre>
 *   mvn -o -q -pl balancer -am -Pbench verify -Dbench.args="-wi 2 -i 3"   (from the repository root)
 * </pre>
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        Options opts = new OptionsBuilder()
                .parent(new CommandLineOptions(args))
                .include(DecideRewriteBenchmark.class.getName())
                .addProfiler(GCProfiler.class)
                .build();
        Collection<RunResult> results = new Runner(opts).run();
        System.out.println();
        System.out.println("PacketProcessor decide + rewrite (frame copy into the I/O buffer included), one thread:");
        System.out.printf("%-14s %16s %14s %18s%n", "workload", "ns/packet", "Mpps/core", "bytes alloc/packet");
        for (RunResult r : results) {
            Result<?> time = r.getPrimaryResult();
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            System.out.printf("%-14s %9.1f ± %-5.1f %14.2f %18s%n", r.getParams().getParam("workload"), time.getScore(),
                    time.getScoreError(), 1000.0 / time.getScore(), alloc == null ? "n/a" : String.format("%.4f", alloc.getScore()));
        }
    }
}
