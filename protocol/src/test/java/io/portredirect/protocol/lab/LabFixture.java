package io.portredirect.protocol.lab;

/**
 * What {@link LabExtension} brings up once per test class and tears down after it: a module's lab
 * (namespaces, processes) that can say what state it is in when a test fails.
 */
public interface LabFixture extends AutoCloseable {
    /** State worth printing next to a failure (process logs, counters); empty when there is none. */
    default String diagnostics() {
        return "";
    }

    /** Stops what the fixture started and removes its namespaces; never throws. */
    @Override
    void close();
}
