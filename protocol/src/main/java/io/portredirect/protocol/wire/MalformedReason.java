package io.portredirect.protocol.wire;

/** Why an option area or a redirect option was rejected; each is counted by the caller. */
public enum MalformedReason {
    /** An option's length byte is missing (area ends after the kind). */
    TRUNCATED_OPTION("option length byte missing"),
    /** An option's length is below 2. */
    OPTION_LENGTH_TOO_SMALL("option length below 2"),
    /** An option runs past the end of the option area. */
    OPTION_PAST_END("option runs past the end of the option area"),
    /** A well-known option has the wrong length (e.g. MSS not 4). */
    BAD_KNOWN_OPTION_LENGTH("well-known option with wrong length"),
    /** Our ExID with a length other than 5 or 7. */
    REDIRECT_BAD_LENGTH("redirect option length not 5 or 7"),
    /** Our ExID with REDIRECT_OPT = 0. */
    REDIRECT_ZERO_PORT("redirect option port 0"),
    /** More than one redirect option in one header. */
    REDIRECT_DUPLICATE("more than one redirect option"),
    /** UDP surplus area too short for the option checksum. */
    UDP_NO_OCS("surplus area too short for the option checksum"),
    /** UDP option checksum does not verify. */
    UDP_BAD_OCS("UDP option checksum mismatch");

    private final String description;

    MalformedReason(String description) {
        this.description = description;
    }

    /** One line a person can read. */
    public String description() {
        return description;
    }
}
