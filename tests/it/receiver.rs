//! A local HTTP server for what Tuberry posts out (webhooks, a provider's
//! replies): it records each POST and answers 503 while it is "down".

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Serves `router` on a free port of this computer; answers its address.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// One POST the receiver got: Tuberry's headers, the body, and what it answered.
#[derive(Debug, Clone)]
pub struct Got {
    pub event: String,
    pub delivery: String,
    pub signature: String,
    pub body: Vec<u8>,
    pub answered: u16,
}

#[derive(Default)]
pub struct Receiver {
    pub got: Mutex<Vec<Got>>,
    /// Requests answered 503 before the receiver comes up.
    pub down_for: Mutex<usize>,
}

impl Receiver {
    /// Takes POSTs at `path` (answering `reply` as JSON once up) beside the
    /// `other` routes; answers the URL of `path`.
    pub async fn serve(
        self: &Arc<Self>,
        path: &str,
        reply: serde_json::Value,
        other: axum::Router<Arc<Receiver>>,
    ) -> String {
        let app = other.route(
            path,
            axum::routing::post(
                move |axum::extract::State(state): axum::extract::State<Arc<Receiver>>,
                      headers: axum::http::HeaderMap,
                      body: axum::body::Bytes| async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .map(|v| v.to_str().unwrap().to_owned())
                            .unwrap_or_default()
                    };
                    let answered = {
                        let mut down = state.down_for.lock().unwrap();
                        if *down > 0 {
                            *down -= 1;
                            503
                        } else {
                            200
                        }
                    };
                    state.got.lock().unwrap().push(Got {
                        event: header("x-tuberry-event"),
                        delivery: header("x-tuberry-delivery"),
                        signature: header("x-tuberry-signature"),
                        body: body.to_vec(),
                        answered,
                    });
                    (
                        axum::http::StatusCode::from_u16(answered).unwrap(),
                        axum::Json(reply),
                    )
                },
            ),
        );
        let addr = serve(app.with_state(self.clone())).await;
        format!("http://{addr}{path}")
    }
}
