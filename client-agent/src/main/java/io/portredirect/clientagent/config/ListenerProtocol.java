package io.portredirect.clientagent.config;

/** Transport a listener relays. */
public enum ListenerProtocol { TCP, UDP }
