/** Offline replay of a capture through the real decision and rewrite code (Katran's simulator idea). */
package io.portredirect.balancer.replay;
