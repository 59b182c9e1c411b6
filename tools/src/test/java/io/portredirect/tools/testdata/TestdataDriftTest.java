package io.portredirect.tools.testdata;

import io.portredirect.tools.Rd;
import io.portredirect.tools.Repo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The committed vectors under testdata/{pcap,hex,decoded} are exactly what the generator writes
 * today: regenerating into a temporary directory gives the same file names and the same bytes.
 * When this fails after an intended change, rerun the generator (see testdata/README.md).
 */
class TestdataDriftTest {
    private static final List<String> GENERATED_DIRS = List.of("pcap", "hex", "decoded");

    @TempDir
    Path fresh;

    @Test
    void committedVectorsMatchTheGenerator() throws IOException {
        Rd.assumeLibpcap();
        TestdataGenerator.write(fresh);
        Path committed = Repo.testdata();
        for (String sub : GENERATED_DIRS) {
            Set<String> want = names(fresh.resolve(sub));
            Set<String> have = names(committed.resolve(sub));
            assertEquals(want, have, "testdata/" + sub + " holds other files than the generator writes; regenerate");
            for (String name : want) {
                assertArrayEquals(Files.readAllBytes(fresh.resolve(sub).resolve(name)), Files.readAllBytes(committed.resolve(sub).resolve(name)),
                        "testdata/" + sub + "/" + name + " drifted from the generator; regenerate it");
            }
        }
    }

    @Test
    void generatingTwiceGivesTheSameBytes(@TempDir Path again) throws IOException {
        Rd.assumeLibpcap();
        TestdataGenerator.write(fresh);
        TestdataGenerator.write(again);
        for (String sub : GENERATED_DIRS) {
            for (String name : names(fresh.resolve(sub))) {
                assertArrayEquals(Files.readAllBytes(fresh.resolve(sub).resolve(name)), Files.readAllBytes(again.resolve(sub).resolve(name)), sub + "/" + name);
            }
        }
    }

    private static Set<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
