package io.portredirect.protocol.lab;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/**
 * The life cycle {@link LabExtension} gives a lab test class, checked without a lab: small classes
 * with a recording fixture run through the JUnit launcher.
 */
class LabExtensionTest {
    /** What the fixtures and test classes did, in order. */
    static final List<String> EVENTS = new ArrayList<>();

    static final class RecordingFixture implements LabFixture {
        RecordingFixture() {
            EVENTS.add("up");
        }

        @Override
        public String diagnostics() {
            EVENTS.add("diagnostics");
            return "recorded state";
        }

        @Override
        public void close() {
            EVENTS.add("close");
        }
    }

    static class PassingClass {
        @RegisterExtension
        static final LabExtension<RecordingFixture> LAB = LabExtension.of(RecordingFixture::new);
        static RecordingFixture injected;

        @BeforeAll
        static void up(RecordingFixture fixture) {
            injected = fixture;
            EVENTS.add("beforeAll");
        }

        @Test
        void one(RecordingFixture fixture) {
            assertSame(injected, fixture);
            assertSame(injected, LAB.get());
            EVENTS.add("test");
        }

        @Test
        void two(RecordingFixture fixture) {
            assertSame(injected, fixture);
            EVENTS.add("test");
        }

        @AfterAll
        static void down() {
            EVENTS.add("afterAll");
        }
    }

    static class FailingSetUpClass {
        @RegisterExtension
        static final LabExtension<RecordingFixture> LAB = LabExtension.of(RecordingFixture::new);

        @BeforeAll
        static void up() {
            throw new IllegalStateException("set-up failed");
        }

        @Test
        void never() {
            EVENTS.add("test");
        }
    }

    static class FailingTestClass {
        @RegisterExtension
        static final LabExtension<RecordingFixture> LAB = LabExtension.of(RecordingFixture::new);

        @Test
        void fails() {
            throw new AssertionError("wrong");
        }
    }

    static class SkippedByFactoryClass {
        @RegisterExtension
        static final LabExtension<RecordingFixture> LAB = LabExtension.of(() -> {
            Assumptions.assumeTrue(false, "tool missing");
            return new RecordingFixture();
        });

        @Test
        void never() {
            EVENTS.add("test");
        }
    }

    private static TestExecutionSummary run(Class<?> testClass) {
        EVENTS.clear();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request().selectors(selectClass(testClass)).build(), listener);
        return listener.getSummary();
    }

    @Test
    void bringsTheFixtureUpOnceInjectsItAndClosesItAfterTheClass() {
        TestExecutionSummary s = run(PassingClass.class);
        assertEquals(2, s.getTestsSucceededCount());
        assertEquals(List.of("up", "beforeAll", "test", "test", "afterAll", "close"), EVENTS);
    }

    @Test
    void closesTheFixtureWhenSetUpFailsAndPrintsItsDiagnostics() {
        TestExecutionSummary s = run(FailingSetUpClass.class);
        assertEquals(1, s.getContainersFailedCount());
        assertEquals(List.of("up", "diagnostics", "close"), EVENTS);
    }

    @Test
    void printsTheDiagnosticsOfAFailedTestWhileTheFixtureIsStillUp() {
        TestExecutionSummary s = run(FailingTestClass.class);
        assertEquals(1, s.getTestsFailedCount());
        assertEquals(List.of("up", "diagnostics", "close"), EVENTS);
    }

    @Test
    void anAssumptionInTheFactorySkipsTheClass() {
        TestExecutionSummary s = run(SkippedByFactoryClass.class);
        assertEquals(0, s.getTestsStartedCount());
        assertEquals(1, s.getContainersAbortedCount());
        assertEquals(List.of(), EVENTS);
    }
}
