package io.portredirect.protocol.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A program's metrics: a Prometheus client {@link PrometheusRegistry} of callback counters and
 * gauges. The data path keeps its own {@code LongAdder}s (no allocation, no registry lookup per
 * packet); the callbacks read them at scrape time. The label order given here is the order
 * {@link PrometheusText} writes, and metrics come out in registration order, as the programs
 * wrote them before the library (the client sorts both by name).
 */
public final class MetricRegistry {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Map<String, List<String>> labelOrder = new ConcurrentHashMap<>();
    private final Map<String, Integer> registrationOrder = new ConcurrentHashMap<>();

    /** Receives the samples of one metric at scrape time: label values in declaration order. */
    @FunctionalInterface
    public interface Sink {
        void sample(double value, String... labelValues);
    }

    /**
     * A counter read at scrape time; {@code name} without {@code _total} (the client appends it).
     */
    public void counter(String name, String help, List<String> labelNames, Consumer<Sink> samples) {
        remember(name + "_total", labelNames);
        CounterWithCallback.builder().name(name).help(help).labelNames(labelNames.toArray(String[]::new))
                .callback(cb -> samples.accept(cb::call)).register(registry);
    }

    /** A gauge read at scrape time. */
    public void gauge(String name, String help, List<String> labelNames, Consumer<Sink> samples) {
        remember(name, labelNames);
        GaugeWithCallback.builder().name(name).help(help).labelNames(labelNames.toArray(String[]::new))
                .callback(cb -> samples.accept(cb::call)).register(registry);
    }

    /**
     * An info metric read at scrape time: exposed as {@code NAME_info{labels} 1}, a gauge in the
     * text format; {@code name} without {@code _info} (the client reserves the suffix). The sink's
     * value is ignored: every sample is 1.
     */
    public void info(String name, String help, List<String> labelNames, Consumer<Sink> samples) {
        remember(name + "_info", labelNames);
        String[] names = labelNames.toArray(String[]::new);
        MetricMetadata metadata = new MetricMetadata(name, help);
        registry.register(() -> {
            List<InfoSnapshot.InfoDataPointSnapshot> points = new ArrayList<>();
            samples.accept((value, labelValues) -> points.add(new InfoSnapshot.InfoDataPointSnapshot(Labels.of(names, labelValues))));
            return new InfoSnapshot(metadata, points);
        });
    }

    private synchronized void remember(String exposedName, List<String> labelNames) {
        labelOrder.put(exposedName, List.copyOf(labelNames));
        registrationOrder.putIfAbsent(exposedName, registrationOrder.size());
    }

    /** The underlying client registry (e.g. for a library's own collectors). */
    public PrometheusRegistry prometheus() {
        return registry;
    }

    /** Label names of {@code exposedName} in the order they were declared (empty when unknown). */
    List<String> labelOrder(String exposedName) {
        return labelOrder.getOrDefault(exposedName, List.of());
    }

    /** Position of {@code exposedName} among the registrations (unknown names last). */
    int registrationIndex(String exposedName) {
        return registrationOrder.getOrDefault(exposedName, Integer.MAX_VALUE);
    }

    /** The text exposition (format 0.0.4) of every metric. */
    public String scrapeText() {
        return PrometheusText.write(this);
    }
}
