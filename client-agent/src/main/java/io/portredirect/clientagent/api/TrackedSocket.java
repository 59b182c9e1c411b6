package io.portredirect.clientagent.api;

import io.portredirect.clientagent.negotiate.ReceiveWindow;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.SocketChannel;

/**
 * The socket {@link Redirect#connect} hands out: a thin delegate over the channel's socket that
 * runs a callback once when closed (so the flow leaves the mid-connection redirect registry).
 */
final class TrackedSocket extends Socket {
    private final Socket s;
    private final Runnable onClose;
    private final ReceiveWindow window;
    private boolean closedOnce;
    private InputStream in;

    TrackedSocket(SocketChannel ch, ReceiveWindow window, Runnable onClose) {
        this.s = ch.socket();
        this.window = window;
        this.onClose = onClose;
    }

    /** Counts what the application reads, so a mid-connection redirect can be checked against the flow's window. */
    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new FilterInputStream(s.getInputStream()) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    window.received(b < 0 ? 0 : 1);
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        window.received(n);
                    }
                    return n;
                }
            };
        }
        return in;
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        return s.getOutputStream();
    }

    @Override
    public InetAddress getInetAddress() {
        return s.getInetAddress();
    }

    @Override
    public int getPort() {
        return s.getPort();
    }

    @Override
    public InetAddress getLocalAddress() {
        return s.getLocalAddress();
    }

    @Override
    public int getLocalPort() {
        return s.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return s.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return s.getLocalSocketAddress();
    }

    @Override
    public boolean isConnected() {
        return s.isConnected();
    }

    @Override
    public boolean isBound() {
        return s.isBound();
    }

    @Override
    public boolean isClosed() {
        return s.isClosed();
    }

    @Override
    public boolean isInputShutdown() {
        return s.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return s.isOutputShutdown();
    }

    @Override
    public void shutdownInput() throws IOException {
        s.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        s.shutdownOutput();
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        s.setTcpNoDelay(on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return s.getTcpNoDelay();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        s.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return s.getSoTimeout();
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        s.setKeepAlive(on);
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        s.setSoLinger(on, linger);
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        s.setReceiveBufferSize(size);
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        s.setSendBufferSize(size);
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            s.close();
        } finally {
            if (!closedOnce) {
                closedOnce = true;
                onClose.run();
            }
        }
    }

    @Override
    public String toString() {
        return "RedirectedSocket" + s;
    }
}
