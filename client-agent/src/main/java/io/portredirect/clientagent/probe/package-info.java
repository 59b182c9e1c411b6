/**
 * Probes on the wire: the {@link io.portredirect.clientagent.probe.ProbeEngine} runs negotiators on
 * one loop thread over a {@link io.portredirect.clientagent.probe.ProbeLink} (a RawPort plus the
 * neighbour table), fed by the {@link io.portredirect.clientagent.probe.CaptureDispatcher} through a
 * BPF filter ({@link io.portredirect.clientagent.probe.CaptureFilter}) that passes answers and
 * notices but not the spliced bulk traffic.
 */
package io.portredirect.clientagent.probe;
