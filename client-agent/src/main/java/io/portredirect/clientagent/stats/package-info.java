/** Counters of everything the agent does or refuses, written as JSON by {@code run --stats-file}. */
package io.portredirect.clientagent.stats;
