/** The agent's YAML configuration: parsed with line numbers, validated, bound to immutable records. */
package io.portredirect.clientagent.config;
