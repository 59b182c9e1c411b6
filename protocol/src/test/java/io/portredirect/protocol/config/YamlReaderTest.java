package io.portredirect.protocol.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class YamlReaderTest {
    @Test
    void keepsTheLineOfEveryKeyAndValue() throws YamlException {
        YamlNode root = YamlReader.read("""
                # comment
                name: a
                ports:
                  - 80
                  - {port: 81, to: ~}
                empty:
                """);
        assertTrue(root.isMap());
        assertEquals(List.of("name", "ports", "empty"), List.copyOf(root.entries().keySet()));
        assertEquals(2, root.keyLine("name"));
        assertEquals("a", root.get("name").text());
        YamlNode ports = root.get("ports");
        assertEquals(3, root.keyLine("ports"));
        assertEquals(2, ports.items().size());
        assertEquals("'80'", ports.items().get(0).describe());
        assertEquals(4, ports.items().get(0).line());
        YamlNode second = ports.items().get(1);
        assertEquals(5, second.line());
        assertEquals("a value", second.get("port").what());
        assertTrue(second.get("to").isNull());
        assertTrue(root.get("empty").isNull());
        assertEquals("empty", root.get("empty").what());
        assertNull(root.get("missing"));
        assertEquals(root.line(), root.keyLine("missing"), "an absent key points at its mapping");
        assertEquals(2, root.line(), "the mapping starts at its first key");
    }

    @Test
    void duplicateKeyNamesBothLines() {
        YamlException e = assertThrows(YamlException.class, () -> YamlReader.read("a: 1\nb:\n  c: 1\n  c: 2\n"));
        assertEquals(YamlException.Problem.DUPLICATE_KEY, e.problem());
        assertEquals(4, e.line());
        assertEquals("b.c", e.key());
        assertEquals("duplicate key (first at line 3)", e.detail());
    }

    @Test
    void duplicateKeysCanBeCollectedKeepingTheFirstValue() throws YamlException {
        List<YamlException> dups = new java.util.ArrayList<>();
        YamlNode root = YamlReader.read(new java.io.StringReader("a: 1\na: 2\nb: 3\nb: 4\n"), dups);
        assertEquals("1", root.get("a").text());
        assertEquals(List.of("line 2: a: duplicate key (first at line 1)", "line 4: b: duplicate key (first at line 3)"),
                dups.stream().map(Throwable::getMessage).toList());
    }

    @Test
    void syntaxErrorHasALine() {
        YamlException e = assertThrows(YamlException.class, () -> YamlReader.read("a: 1\nb: [1, 2\nc: 3\n"));
        assertEquals(YamlException.Problem.SYNTAX, e.problem());
        assertTrue(e.line() >= 2, e.getMessage());
        assertEquals("", e.key());
    }

    @Test
    void emptyDocumentIsNoDocument() throws YamlException {
        assertNull(YamlReader.read(""));
        assertNull(YamlReader.read("# only a comment\n"));
        assertTrue(YamlReader.read("~").isNull());
    }
}
