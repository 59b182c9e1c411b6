package io.portredirect.protocol.lab;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.commons.support.AnnotationSupport;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link LabTest} must tag exactly as {@code @Tag("lab")} did: the build selects and excludes lab classes by it. */
class LabTestTagTest {
    @LabTest
    static class AnnotatedClass {
    }

    @Test
    void labTestCarriesTheLabTagTheWayJupiterFindsTags() {
        // Jupiter reads tags as repeatable, meta-present annotations: the same lookup
        List<String> tags = AnnotationSupport.findRepeatableAnnotations(AnnotatedClass.class, Tag.class).stream().map(Tag::value).toList();
        assertEquals(List.of("lab"), tags);
    }
}
