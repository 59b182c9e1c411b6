package io.portredirect.balancer.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portredirect.protocol.lab.LabExtension;
import io.portredirect.protocol.lab.LabProcess;
import io.portredirect.protocol.lab.LabTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No connection table, so nothing to lose: two long TCP transfers (iperf3, one to an l2 server,
 * one to the l3 server) keep going while the balancer process is stopped and a new one started,
 * three times. No segment of theirs may reach another server meanwhile: a stopping balancer once
 * sent a few to the default server (s1), which reset the flow (the whole table was deleted in one
 * transaction, its maps gone while its base chain still ran; now the chains are unhooked first).
 */
@LabTest
class RestartLabTest {
    @RegisterExtension
    static final LabExtension<BalancerLab> LAB = LabExtension.of(() -> BalancerLab.up("prbr", false));
    private static final int SECONDS = 22;
    private static final int RESTARTS = 3;
    private static BalancerLab lab;

    @BeforeAll
    static void up(BalancerLab fixture) throws Exception {
        lab = fixture;
    }

    @Test
    void restartingTheBalancerBreaksNoEstablishedConnection() throws Exception {
        lab.start("s2", List.of("iperf3", "-s", "-p", "5202", "-B", BalancerLab.VIP4), lab.work.resolve("iperf-s2.log").toFile());
        lab.start("s3", List.of("iperf3", "-s", "-p", "5203"), lab.work.resolve("iperf-s3.log").toFile());
        // who resets, should one be reset
        List<BalancerLab.Capture> resets = new java.util.ArrayList<>();
        for (String ns : List.of("client", "s1", "s2", "s3")) {
            resets.add(lab.capture(ns, "eth0", "tcp[tcpflags] & tcp-rst != 0"));
        }
        // s1 is the default server and holds the VIP: the l2 and l3 flows' segments must never reach it
        BalancerLab.Capture strays = lab.capture("s1", "eth0", "tcp port 5202 or tcp port 5203");
        Thread.sleep(500);
        LabProcess first = lab.startBalancer(lab.labConfig());

        File l2Out = lab.work.resolve("iperf-l2.json").toFile();
        File l3Out = lab.work.resolve("iperf-l3.json").toFile();
        // bounded: -t seconds, rate-capped so the 2-core lab machine keeps up
        Process l2 = lab.start("client", List.of("iperf3", "-c", BalancerLab.VIP4, "-p", "5202", "-t", "" + SECONDS,
                "-b", "100M", "-i", "1", "-J"), l2Out);
        Process l3 = lab.start("client", List.of("iperf3", "-c", BalancerLab.VIP4, "-p", "5203", "-t", "" + SECONDS,
                "-b", "100M", "-i", "1", "-J"), l3Out);
        Thread.sleep(3000);

        LabProcess running = first;
        for (int r = 1; r <= RESTARTS; r++) {
            long t0 = System.nanoTime();
            assertEquals(0, BalancerLab.stop(running), "SIGTERM stops the balancer cleanly");
            running = lab.startBalancer(lab.labConfig());
            double gap = (System.nanoTime() - t0) / 1e9;
            System.out.printf("balancer restarted; no balancer for %.2f s%n", gap);
            assertTrue(lab.balancerLog(r).contains("event=stopped exit=0"), lab.balancerLog(r));
            // TCP's retransmission back-off (0.2, 0.4, 0.8, 1.6 s) brings both flows back within 3 s
            Thread.sleep(3000);
        }

        assertTrue(l2.waitFor(SECONDS + 20, TimeUnit.SECONDS) && l3.waitFor(SECONDS + 20, TimeUnit.SECONDS), "iperf3 finished");
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < resets.size(); i++) {
            seen.append("\nRSTs on ").append(List.of("client", "s1", "s2", "s3").get(i)).append(" eth0: ").append(resets.get(i).stop());
        }
        for (String s : List.of("s2", "s3")) {
            seen.append("\niperf3 server on ").append(s).append(":\n").append(Files.readString(lab.work.resolve("iperf-" + s + ".log")));
        }
        List<String> stray = strays.stop();
        assertTrue(stray.isEmpty(), "segments of the s2/s3 flows reached s1 (" + stray.size() + "): "
                + stray.subList(0, Math.min(5, stray.size())) + seen);
        check("l2 (s2)", l2.exitValue(), Files.readString(l2Out.toPath()), seen);
        check("l3 (s3)", l3.exitValue(), Files.readString(l3Out.toPath()), seen);
    }

    private static void check(String what, int exit, String json, CharSequence seen) throws Exception {
        JsonNode root = new ObjectMapper().readTree(json);
        assertFalse(root.has("error"), what + ": iperf3 reported " + root.path("error").asText() + seen);
        assertEquals(0, exit, what + ": iperf3 exit status");
        JsonNode intervals = root.path("intervals");
        StringBuilder sb = new StringBuilder(what + " Mbit/s per second:");
        for (JsonNode i : intervals) {
            sb.append(String.format(" %.0f", i.path("sum").path("bits_per_second").asDouble() / 1e6));
        }
        System.out.println(sb);
        assertTrue(intervals.size() >= SECONDS - 1, what + ": " + sb);
        // the same connection carried data again after the restart (last seconds)
        for (int i = intervals.size() - 3; i < intervals.size(); i++) {
            assertTrue(intervals.get(i).path("sum").path("bytes").asLong() > 0, what + ": no data late in the run: " + sb);
        }
        assertTrue(root.path("end").path("sum_received").path("bytes").asLong() > 0, what);
    }
}
