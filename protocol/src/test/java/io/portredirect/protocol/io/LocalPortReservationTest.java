package io.portredirect.protocol.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LocalPortReservationTest {
    @Test
    void parsesAndFormatsTheKernelListFormat() {
        BitSet b = LocalPortReservation.parse("50000, 40000-40002,7");
        assertEquals("7,40000-40002,50000", LocalPortReservation.format(b));
        assertEquals("", LocalPortReservation.format(LocalPortReservation.parse("")));
    }

    @Test
    void closeRemovesOnlyWhatItAddedAndKeepsOthersChanges(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("reserved");
        Files.writeString(f, "8000,40005\n");
        BitSet want = new BitSet();
        want.set(40000, 40010);
        LocalPortReservation r = LocalPortReservation.reserve(f, want, false);
        assertEquals("8000,40000-40009", LocalPortReservation.read(f));
        Files.writeString(f, "8000,9000,40000-40009\n"); // someone else reserves 9000 meanwhile
        r.close();
        assertEquals("8000,9000,40005", LocalPortReservation.read(f));
        r.close();
        assertEquals("8000,9000,40005", LocalPortReservation.read(f));
    }
}
