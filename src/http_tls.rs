//! HTTPS for the LAN endpoint, with a certificate the owner provides
//! (`[http] tls_cert` and `tls_key`, PEM files): the LAN API's tokens and the
//! shop's messages then cross the office network encrypted.
//!
//! ```text
//!  TcpListener ─accept─► handshake (its own task, 10 s at most) ─► channel ─► axum::serve
//! ```
//!
//! A slow or broken handshake never holds up the next client.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::either::Either;

/// How long a client may take over its TLS handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// A connection of the LAN endpoint: plain or over TLS.
pub type Io = Either<TcpStream, tokio_rustls::server::TlsStream<TcpStream>>;

/// The server's side of TLS, from the owner's certificate and key.
pub fn acceptor(cert: &Path, key: &Path) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect)
        .map_err(|e| format!("the certificate {} could not be read: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no certificate", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("the private key {} could not be read: {e}", key.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| format!("the certificate and key do not go together: {e}"))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// What the LAN endpoint accepts connections with.
pub enum LanListener {
    Plain(TcpListener),
    Tls {
        addr: SocketAddr,
        accepted: mpsc::Receiver<(Io, SocketAddr)>,
        handshakes: tokio::task::JoinHandle<()>,
    },
}

impl LanListener {
    /// Serves `listener` over TLS: handshakes run beside each other.
    pub fn tls(
        listener: TcpListener,
        acceptor: tokio_rustls::TlsAcceptor,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (done, accepted) = mpsc::channel(64);
        let handshakes = tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        tracing::debug!(error = %e, "a connection could not be accepted");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let done = done.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            if done.send((Either::Right(tls), peer)).await.is_err() {
                                tracing::debug!("the LAN endpoint stopped during a handshake");
                            }
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "a TLS handshake failed");
                        }
                        Err(_) => tracing::debug!(%peer, "a TLS handshake took too long"),
                    }
                });
            }
        });
        Ok(Self::Tls {
            addr,
            accepted,
            handshakes,
        })
    }
}

impl Drop for LanListener {
    fn drop(&mut self) {
        if let Self::Tls { handshakes, .. } = self {
            handshakes.abort();
        }
    }
}

impl axum::serve::Listener for LanListener {
    type Io = Io;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Io, SocketAddr) {
        match self {
            Self::Plain(listener) => {
                let (stream, peer) = axum::serve::Listener::accept(listener).await;
                (Either::Left(stream), peer)
            }
            Self::Tls { accepted, .. } => match accepted.recv().await {
                Some(connection) => connection,
                None => std::future::pending().await,
            },
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        match self {
            Self::Plain(listener) => listener.local_addr(),
            Self::Tls { addr, .. } => Ok(*addr),
        }
    }
}

/// The client's address, as routes read it (`ConnectInfo<Peer>`).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, LanListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, LanListener>) -> Self {
        Self(*stream.remote_addr())
    }
}
