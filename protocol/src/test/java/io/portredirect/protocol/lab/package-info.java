/**
 * What every module's lab tests share (this is the protocol module's test-jar, which the other
 * modules depend on):
 * <ul>
 * <li>{@link io.portredirect.protocol.lab.LabTest} marks a class: the JUnit tag {@code lab}
 *     ({@code -DexcludedGroups=lab} leaves it out) and a skip with a one-line reason where
 *     {@link io.portredirect.protocol.lab.LabSupport#whyNot()} says the lab cannot run.</li>
 * <li>{@link io.portredirect.protocol.lab.LabExtension}, registered on a static field, brings the
 *     class's {@link io.portredirect.protocol.lab.LabFixture} (a {@link io.portredirect.protocol.lab.Netns}
 *     or a module's own lab) up once, injects it into {@code @BeforeAll}/{@code @Test} parameters,
 *     closes it after the class whatever happened and prints its diagnostics next to a failure.</li>
 * <li>{@link io.portredirect.protocol.lab.LabProcess}: a program started in a namespace with a log
 *     file, {@code awaitLog(text, timeout)} and a stop by PID; the programs' wrappers extend it.</li>
 * <li>{@link io.portredirect.protocol.lab.Await}: the one polling loop for waiting on a condition.</li>
 * </ul>
 *
 * <pre>
 * &#64;LabTest
 * class SomeLabTest {
 *     &#64;RegisterExtension
 *     static final LabExtension&lt;Netns&gt; LAB = LabExtension.of(() -&gt; new Netns("prx"));
 *
 *     &#64;BeforeAll
 *     static void topology(Netns lab) { ... lab.create("a") ... }
 * }
 * </pre>
 */
package io.portredirect.protocol.lab;
