//! The MTProto session as grammers keeps it while connected (the home data
//! centre, each data centre's address and authorization key, the peers met
//! with their access hashes, the update state), and as bytes to be sealed
//! and stored. grammers' own stores are a SQLite file of their own or memory
//! that cannot be read back; this one is memory that can.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use grammers_session::types::{
    ChannelState, DcOption, PeerId, PeerInfo, UpdateState, UpdatesState,
};
use grammers_session::{BoxFuture, Session, SessionData};
use serde::{Deserialize, Serialize};

/// What is stored, once sealed.
#[derive(Serialize, Deserialize)]
struct Stored {
    home_dc: i32,
    dc_options: Vec<DcOption>,
    peers: Vec<PeerInfo>,
    updates: UpdatesState,
}

pub struct KeptSession(Mutex<SessionData>);

/// Never fails: the data is in memory.
#[derive(Debug, thiserror::Error)]
#[error("the session's memory is unreadable")]
pub struct KeptSessionError;

impl KeptSession {
    /// A new session (no data centre known yet but the built-in ones).
    pub fn new() -> Self {
        Self(Mutex::new(SessionData::default()))
    }

    /// The session stored by [`KeptSession::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let stored: Stored = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let mut data = SessionData {
            home_dc: stored.home_dc,
            peer_infos: stored
                .peers
                .into_iter()
                .map(|p| (p.id(), p))
                .collect::<HashMap<_, _>>(),
            updates_state: stored.updates,
            ..SessionData::default()
        };
        for dc in stored.dc_options {
            data.dc_options.insert(dc.id, dc);
        }
        Ok(Self(Mutex::new(data)))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let data = self.data();
        let stored = Stored {
            home_dc: data.home_dc,
            dc_options: data.dc_options.values().cloned().collect(),
            peers: data.peer_infos.values().cloned().collect(),
            updates: data.updates_state.clone(),
        };
        serde_json::to_vec(&stored).unwrap_or_default()
    }

    fn data(&self) -> MutexGuard<'_, SessionData> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Session for KeptSession {
    type Error = KeptSessionError;

    fn home_dc_id(&self) -> Result<i32, KeptSessionError> {
        Ok(self.data().home_dc)
    }

    fn set_home_dc_id(&self, dc_id: i32) -> BoxFuture<'_, Result<(), KeptSessionError>> {
        Box::pin(async move {
            self.data().home_dc = dc_id;
            Ok(())
        })
    }

    fn dc_option(&self, dc_id: i32) -> Result<Option<DcOption>, KeptSessionError> {
        Ok(self.data().dc_options.get(&dc_id).cloned())
    }

    fn set_dc_option(&self, dc_option: &DcOption) -> BoxFuture<'_, Result<(), KeptSessionError>> {
        let dc_option = dc_option.clone();
        Box::pin(async move {
            self.data().dc_options.insert(dc_option.id, dc_option);
            Ok(())
        })
    }

    fn peer(&self, peer: PeerId) -> BoxFuture<'_, Result<Option<PeerInfo>, KeptSessionError>> {
        Box::pin(async move { Ok(self.data().peer_infos.get(&peer).cloned()) })
    }

    fn cache_peer(&self, peer: PeerInfo) -> BoxFuture<'_, Result<(), KeptSessionError>> {
        Box::pin(async move {
            self.data()
                .peer_infos
                .entry(peer.id())
                .or_insert_with(|| peer.clone())
                .extend_info(&peer);
            Ok(())
        })
    }

    fn updates_state(&self) -> BoxFuture<'_, Result<UpdatesState, KeptSessionError>> {
        Box::pin(async move { Ok(self.data().updates_state.clone()) })
    }

    fn set_update_state(&self, update: UpdateState) -> BoxFuture<'_, Result<(), KeptSessionError>> {
        Box::pin(async move {
            let mut data = self.data();
            match update {
                UpdateState::All(state) => data.updates_state = state,
                UpdateState::Primary { pts, date, seq } => {
                    data.updates_state.pts = pts;
                    data.updates_state.date = date;
                    data.updates_state.seq = seq;
                }
                UpdateState::Secondary { qts } => data.updates_state.qts = qts,
                UpdateState::Channel { id, pts } => {
                    data.updates_state.channels.retain(|c| c.id != id);
                    data.updates_state.channels.push(ChannelState { id, pts });
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use grammers_session::Session;
    use grammers_session::types::{PeerAuth, PeerInfo, UpdateState, UpdatesState};

    use super::KeptSession;

    #[tokio::test]
    async fn the_session_survives_its_bytes() {
        let session = KeptSession::new();
        session.set_home_dc_id(4).await.unwrap();
        let mut dc = session
            .dc_option(4)
            .unwrap()
            .expect("a built-in data centre");
        dc.auth_key = Some([7; 256]);
        session.set_dc_option(&dc).await.unwrap();
        session
            .cache_peer(PeerInfo::User {
                id: 777,
                auth: Some(PeerAuth::from_hash(-42)),
                bot: Some(false),
                is_self: Some(false),
            })
            .await
            .unwrap();
        session
            .set_update_state(UpdateState::All(UpdatesState {
                pts: 10,
                qts: 2,
                date: 1_700_000_000,
                seq: 3,
                channels: Vec::new(),
            }))
            .await
            .unwrap();
        session
            .set_update_state(UpdateState::Channel { id: 99, pts: 5 })
            .await
            .unwrap();

        let again = KeptSession::from_bytes(&session.to_bytes()).unwrap();
        assert_eq!(again.home_dc_id().unwrap(), 4);
        assert_eq!(
            again.dc_option(4).unwrap().unwrap().auth_key,
            Some([7; 256])
        );
        let peer = again
            .peer(grammers_session::types::PeerId::user_unchecked(777))
            .await
            .unwrap()
            .expect("the peer is kept");
        assert_eq!(peer.auth().map(|a| a.hash()), Some(-42));
        let state = again.updates_state().await.unwrap();
        assert_eq!((state.pts, state.qts, state.seq), (10, 2, 3));
        assert_eq!(state.channels.len(), 1);
        assert!(KeptSession::from_bytes(b"not a session").is_err());
    }
}
