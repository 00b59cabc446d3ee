//! The LAN endpoint: an HTTP server on the local network for the channels'
//! webhooks (Telegram's, Avito's) and the LAN API. It is off unless `[http] listen` names an
//! address, and it can be turned on, moved or turned off while the engine
//! runs (the Settings screen): the new address is bound before the old
//! server is let go, so a refused address leaves the endpoint as it was.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use specta::Type;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::channels::Registry;

/// How long a request in flight may finish when the endpoint stops or moves.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Where the LAN endpoint stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LanStatus {
    /// The address it is set to listen on; none when off.
    pub listen: Option<String>,
    /// The address it listens on now (the port filled in when 0 was asked).
    pub listening: Option<String>,
    /// Why it does not listen although it is on (the address is taken…).
    pub error: Option<String>,
    /// It speaks HTTPS (with the owner's certificate), not HTTP.
    pub https: bool,
}

pub struct LanEndpoint {
    channels: Arc<Registry>,
    /// The engine's: cancelled when the engine stops.
    cancel: CancellationToken,
    state: tokio::sync::Mutex<State>,
    /// Where it listens, readable without waiting for a change in progress.
    addr: Mutex<Option<SocketAddr>>,
    /// Routes served beside the channels' (the LAN API).
    extra: Mutex<Vec<axum::Router>>,
    /// The owner's certificate and key: served over HTTPS when set.
    tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

#[derive(Default)]
struct State {
    listen: Option<String>,
    started: bool,
    served: Option<Served>,
    error: Option<String>,
}

struct Served {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl LanEndpoint {
    pub fn new(
        channels: Arc<Registry>,
        listen: Option<String>,
        tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
        cancel: CancellationToken,
    ) -> Self {
        Self {
            tls,
            channels,
            cancel,
            state: tokio::sync::Mutex::new(State {
                listen,
                ..State::default()
            }),
            addr: Mutex::new(None),
            extra: Mutex::new(Vec::new()),
        }
    }

    /// Serves `routes` too, from the next time it starts listening.
    pub fn add_routes(&self, routes: axum::Router) {
        self.extra
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(routes);
    }

    /// Starts serving at the address it is set to (once the engine relays).
    /// An address that cannot be bound is logged and shown in the status.
    pub async fn start(&self) {
        let mut state = self.state.lock().await;
        if state.started {
            return;
        }
        state.started = true;
        let Some(listen) = state.listen.clone() else {
            return;
        };
        match TcpListener::bind(&listen).await {
            Ok(listener) => self.serve(&mut state, listener),
            Err(e) => {
                tracing::error!(%listen, error = %e, "the LAN endpoint cannot listen");
                state.error = Some(e.to_string());
            }
        }
    }

    /// Listens at `listen` from now on, or nowhere (`None`). When the engine
    /// relays, the new address is bound first: if it cannot be, the error is
    /// returned and the endpoint stays as it was.
    pub async fn set(&self, listen: Option<String>) -> std::io::Result<LanStatus> {
        let mut state = self.state.lock().await;
        if !state.started {
            state.listen = listen;
            return Ok(status(&state, None, self.tls.is_some()));
        }
        let same = listen == state.listen && (state.served.is_some() || listen.is_none());
        if !same {
            let listener = match &listen {
                Some(address) => Some(self.bind_beside(&mut state, address).await?),
                None => None,
            };
            self.stop_serving(&mut state).await;
            state.listen = listen;
            state.error = None;
            match listener {
                Some(listener) => self.serve(&mut state, listener),
                None => tracing::info!("LAN endpoint turned off"),
            }
        }
        Ok(status(
            &state,
            *self.addr.lock().unwrap_or_else(PoisonError::into_inner),
            self.tls.is_some(),
        ))
    }

    /// Binds `address` while the current server may still hold a port: if
    /// the new address clashes with the old one (the same port on another
    /// interface), the old server is stopped first and, should the bind then
    /// fail, started again where it was.
    async fn bind_beside(&self, state: &mut State, address: &str) -> std::io::Result<TcpListener> {
        match TcpListener::bind(address).await {
            Ok(listener) => Ok(listener),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && state.served.is_some() => {
                self.stop_serving(state).await;
                match TcpListener::bind(address).await {
                    Ok(listener) => Ok(listener),
                    Err(e) => {
                        if let Some(old) = state.listen.clone()
                            && let Ok(listener) = TcpListener::bind(&old).await
                        {
                            self.serve(state, listener);
                        }
                        Err(e)
                    }
                }
            }
            Err(e) => Err(e),
        }
    }

    fn serve(&self, state: &mut State, listener: TcpListener) {
        let listener = match &self.tls {
            None => crate::http_tls::LanListener::Plain(listener),
            Some((cert, key)) => match crate::http_tls::acceptor(cert, key).and_then(|acceptor| {
                crate::http_tls::LanListener::tls(listener, acceptor).map_err(|e| e.to_string())
            }) {
                Ok(listener) => listener,
                Err(why) => {
                    // Never plain HTTP instead of the HTTPS the owner asked for.
                    tracing::error!(error = %why, "the LAN endpoint cannot serve HTTPS");
                    state.error = Some(why);
                    return;
                }
            },
        };
        let addr = axum::serve::Listener::local_addr(&listener).ok();
        if let Some(addr) = addr {
            tracing::info!(%addr, https = self.tls.is_some(), "LAN endpoint listening");
        }
        *self.addr.lock().unwrap_or_else(PoisonError::into_inner) = addr;
        let mut router = axum::Router::new();
        for adapter in self.channels.adapters() {
            adapter.lan_endpoint(true);
            if let Some(routes) = adapter.routes() {
                router = router.merge(routes);
            }
        }
        for routes in self
            .extra
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            router = router.merge(routes.clone());
        }
        let stop = self.cancel.child_token();
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            let app = router.into_make_service_with_connect_info::<crate::http_tls::Peer>();
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stopped.cancelled().await })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the LAN endpoint stopped");
            }
        });
        state.served = Some(Served { stop, task });
        state.error = None;
    }

    async fn stop_serving(&self, state: &mut State) {
        let Some(Served { stop, mut task }) = state.served.take() else {
            return;
        };
        for adapter in self.channels.adapters() {
            adapter.lan_endpoint(false);
        }
        *self.addr.lock().unwrap_or_else(PoisonError::into_inner) = None;
        stop.cancel();
        if tokio::time::timeout(STOP_GRACE, &mut task).await.is_err() {
            tracing::warn!("the LAN endpoint did not stop in time");
            task.abort();
        }
    }

    /// Stops serving (the engine stops).
    pub async fn shutdown(&self) {
        let mut state = self.state.lock().await;
        self.stop_serving(&mut state).await;
    }

    pub async fn status(&self) -> LanStatus {
        let state = self.state.lock().await;
        status(&state, self.addr(), self.tls.is_some())
    }

    /// Where it listens now.
    pub fn addr(&self) -> Option<SocketAddr> {
        *self.addr.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn status(state: &State, addr: Option<SocketAddr>, https: bool) -> LanStatus {
    LanStatus {
        listen: state.listen.clone(),
        listening: addr.map(|a| a.to_string()),
        error: state.error.clone(),
        https,
    }
}
