package io.portredirect.serveragent.config;

/** How the agent picks the service port it names in REDIRECT_OPT. */
public enum SelectionPolicy {
    /** Each service port in turn. */
    ROUND_ROBIN("round-robin"),
    /** The listening service port with the fewest established connections (kernel count). */
    LEAST_CONNECTIONS("least-connections"),
    /** Round robin over listening service ports whose accept queue is not full (seed 001). */
    QUEUE_AWARE("queue-aware");

    private final String configName;

    SelectionPolicy(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** The policy with this config name, or null. */
    public static SelectionPolicy byName(String s) {
        for (SelectionPolicy p : values()) {
            if (p.configName.equals(s)) {
                return p;
            }
        }
        return null;
    }
}
