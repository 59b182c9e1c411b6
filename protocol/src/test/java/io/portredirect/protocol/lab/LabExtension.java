package io.portredirect.protocol.lab;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.function.ThrowingSupplier;
import org.opentest4j.TestAbortedException;

import java.util.Objects;

/**
 * Brings a test class's {@link LabFixture} up once before its {@code @BeforeAll} methods and closes
 * it after its {@code @AfterAll} methods, also when set-up or a test failed; injects it into
 * {@code @BeforeAll}/{@code @Test} parameters of its type and prints its diagnostics next to a
 * failure. Register it on a {@link LabTest} class, which skips where the lab cannot run (the
 * extension itself does not check):
 *
 * <pre>
 * &#64;LabTest
 * class IcmpLabTest {
 *     &#64;RegisterExtension
 *     static final LabExtension&lt;BalancerLab&gt; LAB = LabExtension.of(() -&gt; BalancerLab.up("prbi", true));
 *
 *     &#64;BeforeAll static void up(BalancerLab lab) throws Exception { lab.startBalancer(lab.labConfig()); }
 *     &#64;Test void something() { LAB.get().probe(...); }
 * }
 * </pre>
 */
public final class LabExtension<T extends LabFixture> implements BeforeAllCallback, AfterAllCallback, ParameterResolver,
        TestWatcher, LifecycleMethodExecutionExceptionHandler {
    private final ThrowingSupplier<T> factory;
    private volatile T fixture;

    private LabExtension(ThrowingSupplier<T> factory) {
        this.factory = Objects.requireNonNull(factory);
    }

    /** An extension that brings the fixture up with {@code factory} (which may skip with a JUnit assumption). */
    public static <T extends LabFixture> LabExtension<T> of(ThrowingSupplier<T> factory) {
        return new LabExtension<>(factory);
    }

    /** The fixture of the running class; fails outside of it. */
    public T get() {
        T f = fixture;
        if (f == null) {
            throw new IllegalStateException("the lab fixture is not up (LabExtension used outside its class run?)");
        }
        return f;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        // @LabTest has skipped the class where the lab cannot run; the factory's own checks (tools,
        // jars) run here, so they skip (assumption) or fail the class as before
        try {
            fixture = factory.get();
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        T f = fixture;
        fixture = null;
        if (f != null) {
            f.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        T f = fixture;
        return f != null && parameter.getParameter().getType().isInstance(f)
                && !parameter.getParameter().getType().equals(Object.class);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return get();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        printDiagnostics(context.getDisplayName());
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        if (!(throwable instanceof TestAbortedException)) { // a skip is no failure
            printDiagnostics("@BeforeAll of " + context.getDisplayName());
        }
        throw throwable;
    }

    private void printDiagnostics(String what) {
        T f = fixture;
        if (f == null) {
            return;
        }
        String d;
        try {
            d = f.diagnostics();
        } catch (RuntimeException e) {
            d = "(diagnostics failed: " + e + ")";
        }
        if (d != null && !d.isBlank()) {
            System.err.println("=== lab diagnostics after the failure of " + what + ":\n" + d);
        }
    }
}
