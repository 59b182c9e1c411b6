package io.portredirect.protocol.fuzz;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a fuzz target's committed corpus lands on the test class path. The corpus lives in
 * {@code testdata/fuzz/<target>/}; the module's pom copies it to the resource directory Jazzer
 * reads in regression mode, {@code <package>/<Class>Inputs/<method>/}.
 */
public final class FuzzCorpus {
    private FuzzCorpus() {
    }

    /**
     * Asserts that the corpus of {@code testClass#method} was copied onto the class path and holds
     * at least {@code minFiles} inputs: without it, regression mode would run the empty input only
     * and pass without testing anything.
     */
    public static void assertPresent(Class<?> testClass, String method, int minFiles) throws IOException {
        String resource = testClass.getSimpleName() + "Inputs/" + method;
        URL url = testClass.getResource(resource);
        assertNotNull(url, "corpus " + resource + " is not on the test class path (see testdata/fuzz/README.md)");
        Path dir;
        try {
            dir = Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            long n = files.filter(Files::isRegularFile).count();
            assertTrue(n >= minFiles, "corpus " + dir + " holds " + n + " inputs, expected at least " + minFiles);
        }
    }
}
