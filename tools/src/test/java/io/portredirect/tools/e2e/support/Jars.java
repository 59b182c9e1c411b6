package io.portredirect.tools.e2e.support;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository root and the shaded jars of the three programs. The tools module builds last, so
 * in a reactor build the jars exist when these tests run; alone, a missing jar fails with the
 * command that builds it.
 */
public final class Jars {
    /** The balancer's shaded jar, relative to the repository root. */
    public static final String BALANCER = "balancer/target/redirect-balancer.jar";
    public static final String SERVER_AGENT = "server-agent/target/redirect-server-agent.jar";
    public static final String CLIENT_AGENT = "client-agent/target/redirect-client-agent.jar";

    private Jars() {
    }

    /** The repository root: {@code -Dportredirect.root} (set by surefire), else found upwards from the working directory. */
    public static Path root() {
        String prop = System.getProperty("portredirect.root");
        if (prop != null && Files.exists(Path.of(prop, "testdata/lab/lab.sh"))) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("testdata/lab/lab.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (testdata/lab/lab.sh) above " + Path.of("").toAbsolutePath());
    }

    /** The jar at {@code relative} under the root; throws naming the build command when it is missing. */
    public static Path require(String relative) {
        Path jar = root().resolve(relative);
        if (!Files.isRegularFile(jar)) {
            String module = relative.substring(0, relative.indexOf('/'));
            throw new IllegalStateException(jar + " is missing: build it with `cd " + root() + " && mvn -q -o -pl " + module
                    + " -am package -DskipTests -DskipDist` (a full `mvn verify` builds it before tools)");
        }
        return jar;
    }

    /** Fails (not skips) when any of the three program jars is missing. */
    public static void requireAll() {
        require(BALANCER);
        require(SERVER_AGENT);
        require(CLIENT_AGENT);
    }
}
