package io.portredirect.clientagent.api;

import javax.net.SocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;

/**
 * A {@link SocketFactory} for libraries that take one (HTTP clients, JDBC drivers): every socket
 * negotiates its port through a {@link Redirect} when it connects. An unconnected socket from
 * {@link #createSocket()} negotiates in {@code connect(address, timeout)}. Binding to a chosen
 * local address is not supported: the upstream socket is the kernel's choice, as in the agent.
 */
public final class RedirectingSocketFactory extends SocketFactory {
    private final Redirect redirect;

    RedirectingSocketFactory(Redirect redirect) {
        this.redirect = redirect;
    }

    @Override
    public Socket createSocket() {
        return new LazySocket(redirect);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return redirect.connect(InetAddress.getByName(host), port);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return redirect.connect(host, port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        throw new SocketException("binding a redirected socket to a local address is not supported");
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        throw new SocketException("binding a redirected socket to a local address is not supported");
    }

    /**
     * An unconnected socket: connect() swaps the redirect port for the negotiated one. Streams and
     * options act on the negotiated connection afterwards.
     */
    static final class LazySocket extends Socket {
        private final Redirect redirect;
        private Socket delegate;
        // options set before connect(), applied to the negotiated socket
        private int soTimeout;
        private boolean tcpNoDelay = true;

        LazySocket(Redirect redirect) {
            this.redirect = redirect;
        }

        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            if (!(endpoint instanceof InetSocketAddress a) || a.isUnresolved()) {
                throw new SocketException("need a resolved InetSocketAddress: " + endpoint);
            }
            Socket s = redirect.connect(a.getAddress(), a.getPort());
            s.setSoTimeout(soTimeout);
            s.setTcpNoDelay(tcpNoDelay);
            delegate = s;
        }

        @Override
        public void connect(SocketAddress endpoint) throws IOException {
            connect(endpoint, 0);
        }

        private Socket d() throws SocketException {
            if (delegate == null) {
                throw new SocketException("not connected");
            }
            return delegate;
        }

        @Override
        public java.io.InputStream getInputStream() throws IOException {
            return d().getInputStream();
        }

        @Override
        public java.io.OutputStream getOutputStream() throws IOException {
            return d().getOutputStream();
        }

        @Override
        public boolean isConnected() {
            return delegate != null && delegate.isConnected();
        }

        @Override
        public boolean isClosed() {
            return delegate != null && delegate.isClosed();
        }

        @Override
        public InetAddress getInetAddress() {
            return delegate == null ? null : delegate.getInetAddress();
        }

        @Override
        public int getPort() {
            return delegate == null ? 0 : delegate.getPort();
        }

        @Override
        public int getLocalPort() {
            return delegate == null ? -1 : delegate.getLocalPort();
        }

        @Override
        public void setSoTimeout(int timeout) throws SocketException {
            soTimeout = timeout;
            if (delegate != null) {
                delegate.setSoTimeout(timeout);
            }
        }

        @Override
        public int getSoTimeout() {
            return soTimeout;
        }

        @Override
        public void setTcpNoDelay(boolean on) throws SocketException {
            tcpNoDelay = on;
            if (delegate != null) {
                delegate.setTcpNoDelay(on);
            }
        }

        @Override
        public void shutdownOutput() throws IOException {
            d().shutdownOutput();
        }

        @Override
        public void shutdownInput() throws IOException {
            d().shutdownInput();
        }

        @Override
        public synchronized void close() throws IOException {
            if (delegate != null) {
                delegate.close();
            }
            super.close();
        }
    }
}
