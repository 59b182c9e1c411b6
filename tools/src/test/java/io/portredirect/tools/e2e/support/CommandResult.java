package io.portredirect.tools.e2e.support;

/** Exit status and combined stdout+stderr of a command run inside a lab namespace; exit -1 on timeout. */
public record CommandResult(int exit, String output) {
    public boolean ok() {
        return exit == 0;
    }

    /** The output without surrounding white space. */
    public String text() {
        return output.trim();
    }

    @Override
    public String toString() {
        return "exit " + exit + ": " + output.trim();
    }
}
