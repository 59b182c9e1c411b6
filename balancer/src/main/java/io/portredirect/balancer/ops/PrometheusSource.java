package io.portredirect.balancer.ops;

import java.io.IOException;

/** Something that appends metrics in Prometheus text exposition format 0.0.4. */
@FunctionalInterface
public interface PrometheusSource {
    void writePrometheus(Appendable out) throws IOException;
}
