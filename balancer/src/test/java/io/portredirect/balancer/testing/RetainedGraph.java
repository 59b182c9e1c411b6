package io.portredirect.balancer.testing;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Estimates what an object retains by walking its reference graph with reflection: every object
 * of our own classes (io.portredirect.*) is entered, arrays are sized and entered, JDK objects are
 * counted as leaves (their internals are not accessible on Java 17 without --add-opens). Sizes are
 * estimates (12-byte header, 4-byte references, 8-byte alignment), good for "did it grow", not for
 * absolute numbers.
 */
public final class RetainedGraph {
    /** Objects reached and their estimated bytes. */
    public record Footprint(long objects, long bytes) {
    }

    private RetainedGraph() {
    }

    public static Footprint of(Object root) {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object> todo = new ArrayDeque<>();
        todo.add(root);
        long bytes = 0;
        while (!todo.isEmpty()) {
            Object o = todo.poll();
            if (!seen.add(o)) {
                continue;
            }
            Class<?> c = o.getClass();
            if (c.isArray()) {
                int n = Array.getLength(o);
                Class<?> e = c.getComponentType();
                bytes += align(16 + (long) n * size(e));
                if (!e.isPrimitive()) {
                    for (int i = 0; i < n; i++) {
                        Object x = Array.get(o, i);
                        if (x != null) {
                            todo.add(x);
                        }
                    }
                }
                continue;
            }
            long shallow = 12;
            for (Class<?> k = c; k != null; k = k.getSuperclass()) {
                boolean ours = k.getName().startsWith("io.portredirect.");
                for (Field f : k.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers())) {
                        continue;
                    }
                    shallow += size(f.getType());
                    if (ours && !f.getType().isPrimitive()) {
                        try {
                            f.setAccessible(true);
                            Object x = f.get(o);
                            if (x != null) {
                                todo.add(x);
                            }
                        } catch (ReflectiveOperationException | RuntimeException ex) {
                            throw new IllegalStateException("cannot read " + f, ex);
                        }
                    }
                }
            }
            bytes += align(shallow);
        }
        return new Footprint(seen.size(), bytes);
    }

    private static long size(Class<?> t) {
        if (!t.isPrimitive()) {
            return 4;
        }
        if (t == long.class || t == double.class) {
            return 8;
        }
        if (t == int.class || t == float.class) {
            return 4;
        }
        if (t == short.class || t == char.class) {
            return 2;
        }
        return 1;
    }

    private static long align(long n) {
        return (n + 7) & ~7L;
    }
}
