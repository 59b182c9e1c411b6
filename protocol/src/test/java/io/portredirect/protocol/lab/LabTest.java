package io.portredirect.protocol.lab;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a lab test class: tagged {@code lab} (so {@code -DexcludedGroups=lab} leaves it out and
 * {@code -Dgroups=lab} picks it) and skipped with {@link LabSupport#whyNot()}'s one-line reason on
 * a machine that cannot run the lab. Bring its fixture up with a {@link LabExtension} field.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Tag("lab")
@ExtendWith(LabAvailable.class)
public @interface LabTest {
}
