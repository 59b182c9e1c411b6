/**
 * One log style for the three programs: SLF4J to logback, one line per event on standard error,
 * {@code ts=... level=info event=NAME key=value ...} ({@code logback.xml} at the jar's root).
 */
package io.portredirect.protocol.log;
