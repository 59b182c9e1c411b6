package io.portredirect.tools;

/**
 * Input the user gave cannot be used: a file that does not exist or is not a pcap, hex that is not
 * hex, an interface that is not there. rdtool prints the message as one line and exits with 2, the
 * same code as a usage error, because rerunning with other input is the fix.
 */
public final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
