package io.portredirect.tools;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository (and so testdata/) is, whichever directory the tests run from. */
public final class Repo {
    private Repo() {
    }

    public static Path root() {
        String configured = System.getProperty("portredirect.root");
        if (configured != null && Files.isDirectory(Path.of(configured, "testdata"))) {
            return Path.of(configured);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("testdata")) && Files.exists(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("tools"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (testdata/) from " + Path.of("").toAbsolutePath());
    }

    public static Path testdata() {
        return root().resolve("testdata");
    }
}
