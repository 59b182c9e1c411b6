package io.portredirect.tools.dist;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launchers as shells run them: the distribution's (tools/src/dist/launcher.sh.in, instantiated
 * as the build does) reached through a /usr/bin-style symlink, and the source checkout's
 * (bin/PROGRAM + bin/lib/launch.sh) building on first use with a stand-in for Maven. The program
 * run is {@link PrintArgs}, from a jar made here.
 */
class LauncherTest {
    private static final String MAIN = PrintArgs.class.getName();
    private static Path root;
    private static String java;

    @TempDir
    Path tmp;

    @BeforeAll
    static void locate() {
        String prop = System.getProperty("portredirect.root");
        root = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath().getParent();
        java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    record Result(int rc, String out, String err) {
    }

    private static Result run(Map<String, String> env, Path dir, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("PORTREDIRECT_JAVA_OPTS");
        pb.environment().remove("PORTREDIRECT_NO_BUILD");
        pb.environment().put("PATH", Path.of(java).getParent() + ":/usr/bin:/bin");
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getValue() == null) {
                pb.environment().remove(e.getKey());
            } else {
                pb.environment().put(e.getKey(), e.getValue());
            }
        }
        Path errFile = Files.createTempFile("launcher", ".err");
        try {
            Process p = pb.redirectError(errFile.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher did not finish: " + String.join(" ", cmd));
            return new Result(p.exitValue(), out, Files.readString(errFile));
        } finally {
            Files.deleteIfExists(errFile);
        }
    }

    /** A jar holding PrintArgs, as lib/ would hold the programs' jars. */
    private static void printArgsJar(Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        String entry = PrintArgs.class.getName().replace('.', '/') + ".class";
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os);
             InputStream in = PrintArgs.class.getClassLoader().getResourceAsStream(entry)) {
            jos.putNextEntry(new JarEntry(entry));
            in.transferTo(jos);
            jos.closeEntry();
        }
    }

    private static void executable(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** An installed distribution: home/bin/printargs from the template, home/lib/printargs.jar. */
    private Path distHome() throws IOException {
        Path home = tmp.resolve("usr/share/portredirect");
        String template = Files.readString(root.resolve("tools/src/dist/launcher.sh.in"));
        String launcher = template.replace("@PROGRAM@", "printargs").replace("@MAIN_CLASS@", MAIN)
                .replace("@LOGGING_JAR@", "slf4j-nop-1.7.36.jar");
        assertFalse(Pattern.compile("@[A-Z_]+@").matcher(launcher).find(), "a token of launcher.sh.in is left unreplaced");
        Path bin = Files.createDirectories(home.resolve("bin")).resolve("printargs");
        Files.writeString(bin, launcher);
        executable(bin);
        printArgsJar(home.resolve("lib/printargs.jar"));
        Files.createDirectories(home.resolve("lib/slf4j"));
        Path usrBin = Files.createDirectories(tmp.resolve("usr/bin"));
        Files.createSymbolicLink(usrBin.resolve("printargs"), Path.of("../share/portredirect/bin/printargs"));
        return home;
    }

    @Test
    void distLauncherFollowsSymlinkAndPassesArgumentsOptionsAndExitStatus() throws Exception {
        Path home = distHome();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PORTREDIRECT_JAVA_OPTS", "-Drd.a=1 -Drd.b=two");
        env.put("PRINTARGS_EXIT", "3");
        Result r = run(env, tmp, tmp.resolve("usr/bin/printargs").toString(), "a b", "", "*");
        assertEquals(3, r.rc(), r.err());
        assertEquals(List.of("arg=a b", "arg=", "arg=*", "rd.a=1", "rd.b=two", "portredirect.home=" + home.toRealPath(),
                "portredirect.root=null"), r.out().lines().toList());
    }

    @Test
    void distLauncherUsesJavaHome() throws Exception {
        distHome();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("PATH", "/usr/bin:/bin");
        Result r = run(env, tmp, tmp.resolve("usr/bin/printargs").toString(), "x");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().startsWith("arg=x\n"), r.out());
    }

    @Test
    void distLauncherExplainsMissingJava() throws Exception {
        distHome();
        // a PATH with the few tools the launcher needs, and no java
        Path tools = Files.createDirectories(tmp.resolve("tools"));
        for (String t : new String[] {"ls", "dirname"}) {
            Path real = Path.of("/usr/bin", t);
            Files.createSymbolicLink(tools.resolve(t), Files.exists(real) ? real : Path.of("/bin", t));
        }
        Map<String, String> env = Map.of("PATH", tools.toString());
        Result r = run(env, tmp, "/bin/sh", tmp.resolve("usr/bin/printargs").toString());
        assertEquals(1, r.rc(), r.out() + r.err());
        assertTrue(r.err().contains("printargs: no Java runtime found"), r.err());

        Result bad = run(Map.of("JAVA_HOME", tmp.resolve("no-such-jdk").toString()), tmp, tmp.resolve("usr/bin/printargs").toString());
        assertEquals(1, bad.rc());
        assertTrue(bad.err().contains("JAVA_HOME is '" + tmp.resolve("no-such-jdk") + "'"), bad.err());
    }

    // --- source checkout ---------------------------------------------------------------------

    /** A checkout with the real bin/lib/launch.sh, bin/printargs made from bin/rdtool, and a fake mvn. */
    private Path checkout() throws IOException {
        Path co = tmp.resolve("checkout");
        Files.createDirectories(co.resolve("bin/lib"));
        Files.copy(root.resolve("bin/lib/launch.sh"), co.resolve("bin/lib/launch.sh"));
        String rdtool = Files.readString(root.resolve("bin/rdtool"));
        Matcher m = Pattern.compile("(?m)^main=(\\S+)$").matcher(rdtool);
        assertTrue(m.find(), "bin/rdtool sets main=");
        Files.writeString(co.resolve("bin/printargs"), m.replaceFirst("main=" + MAIN));
        executable(co.resolve("bin/printargs"));
        Files.writeString(co.resolve("pom.xml"), "<project/>\n");
        Files.createDirectories(co.resolve("protocol/src/main/java"));
        Path jar = co.resolve("protocol/target/protocol.jar");
        printArgsJar(jar);
        // stands in for Maven: logs its arguments, fails while build.fail exists, fails offline
        // while offline.fail exists, and
        // writes the classpath list as the real build does
        Path mvn = co.resolve("fake-mvn");
        Files.writeString(mvn, "#!/bin/sh\n"
                + "echo \"$*\" >> \"" + co.resolve("mvn.log") + "\"\n"
                + "[ -e \"" + co.resolve("build.fail") + "\" ] && { echo 'COMPILATION ERROR'; exit 1; }\n"
                + "case \" $* \" in *' -o '*) [ -e \"" + co.resolve("offline.fail") + "\" ] && { echo 'offline: artifact missing'; exit 1; } ;; esac\n"
                + "mkdir -p tools/target/classpath\n"
                + "printf '%s' '" + jar + "' > tools/target/classpath/printargs\n");
        executable(mvn);
        return co;
    }

    private List<String> mvnCalls(Path co) throws IOException {
        Path log = co.resolve("mvn.log");
        return Files.exists(log) ? Files.readAllLines(log) : new ArrayList<>();
    }

    @Test
    void sourceLauncherBuildsOnFirstUseOnlyThenWhenSourcesChange() throws Exception {
        Path co = checkout();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PORTREDIRECT_MVN", co.resolve("fake-mvn").toString());
        env.put("PORTREDIRECT_JAVA_OPTS", "-Drd.a=src");

        Result first = run(env, tmp, co.resolve("bin/printargs").toString(), "one two");
        assertEquals(0, first.rc(), first.err());
        assertTrue(first.err().contains("printargs: building portredirect (first use)"), first.err());
        assertEquals(List.of("-q -o package -DskipTests"), mvnCalls(co));
        assertTrue(first.out().startsWith("arg=one two\nrd.a=src\n"), first.out());
        assertTrue(first.out().contains("portredirect.root=" + co.toRealPath() + "\n"), first.out());

        Result second = run(env, tmp, co.resolve("bin/printargs").toString());
        assertEquals(0, second.rc(), second.err());
        assertEquals("", second.err());
        assertEquals(1, mvnCalls(co).size(), "no build when nothing changed");

        Path list = co.resolve("tools/target/classpath/printargs");
        Files.setLastModifiedTime(list, FileTime.from(Instant.now().minusSeconds(60)));
        Files.writeString(co.resolve("protocol/src/main/java/Changed.java"), "class Changed {}\n");
        Result third = run(env, tmp, co.resolve("bin/printargs").toString());
        assertEquals(0, third.rc(), third.err());
        assertTrue(third.err().contains("protocol/src/main/java/Changed.java changed"), third.err());
        assertEquals(2, mvnCalls(co).size());
    }

    @Test
    void sourceLauncherRetriesOnlineWhenOfflineBuildFails() throws Exception {
        Path co = checkout();
        Files.writeString(co.resolve("offline.fail"), "");
        Result r = run(Map.of("PORTREDIRECT_MVN", co.resolve("fake-mvn").toString()), tmp, co.resolve("bin/printargs").toString(), "x");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.err().contains("offline build failed; retrying online"), r.err());
        assertEquals(List.of("-q -o package -DskipTests", "-q package -DskipTests"), mvnCalls(co));
        assertTrue(r.out().startsWith("arg=x\n"), r.out());
    }

    @Test
    void sourceLauncherRunsThePreviousBuildWhenARebuildFails() throws Exception {
        Path co = checkout();
        Map<String, String> env = Map.of("PORTREDIRECT_MVN", co.resolve("fake-mvn").toString());
        assertEquals(0, run(env, tmp, co.resolve("bin/printargs").toString()).rc());
        Files.setLastModifiedTime(co.resolve("tools/target/classpath/printargs"), FileTime.from(Instant.now().minusSeconds(60)));
        Files.writeString(co.resolve("protocol/src/main/java/Broken.java"), "class Broken {\n");
        Files.writeString(co.resolve("build.fail"), "");

        Result r = run(env, tmp, co.resolve("bin/printargs").toString(), "still");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.err().contains("printargs: BUILD FAILED; running the previous build"), r.err());
        assertTrue(r.out().startsWith("arg=still\n"), r.out());
        assertEquals(3, mvnCalls(co).size(), "the first build, then offline and online attempts");

        Files.delete(co.resolve("tools/target/classpath/printargs"));
        Result none = run(env, tmp, co.resolve("bin/printargs").toString());
        assertEquals(1, none.rc(), none.out());
        assertTrue(none.err().contains("printargs: build failed"), none.err());
    }

    @Test
    void sourceLauncherFailsClearlyWithoutBuildOrMaven() throws Exception {
        Path co = checkout();
        Result noBuild = run(Map.of("PORTREDIRECT_NO_BUILD", "1"), tmp, co.resolve("bin/printargs").toString());
        assertEquals(1, noBuild.rc());
        assertTrue(noBuild.err().contains("tools/target/classpath/printargs is missing"), noBuild.err());

        Result noMaven = run(Map.of("PORTREDIRECT_MVN", "no-such-mvn-here"), tmp, co.resolve("bin/printargs").toString());
        assertEquals(1, noMaven.rc());
        assertTrue(noMaven.err().contains("Maven ('no-such-mvn-here') not found"), noMaven.err());
    }

    // --- the four programs ---------------------------------------------------------------------

    /** bin/ and the distribution (build.xml) launch the same four main classes. */
    @Test
    void sourceAndDistributionLaunchTheSamePrograms() throws IOException {
        Map<String, String> dist = new LinkedHashMap<>();
        Matcher m = Pattern.compile("<program name=\"([^\"]+)\" main=\"([^\"]+)\"").matcher(Files.readString(root.resolve("tools/src/dist/build.xml")));
        while (m.find()) {
            dist.put(m.group(1), m.group(2));
        }
        assertEquals(List.of("rdtool", "redirect-balancer", "redirect-client-agent", "redirect-server-agent"), new ArrayList<>(dist.keySet()));
        for (Map.Entry<String, String> e : dist.entrySet()) {
            Path launcher = root.resolve("bin").resolve(e.getKey());
            assertTrue(Files.isExecutable(launcher), launcher + " is not executable");
            Matcher main = Pattern.compile("(?m)^main=(\\S+)$").matcher(Files.readString(launcher));
            assertTrue(main.find(), launcher + " sets no main class");
            assertEquals(e.getValue(), main.group(1), launcher.toString());
        }
    }
}
