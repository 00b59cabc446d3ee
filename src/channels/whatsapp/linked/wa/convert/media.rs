//! What it takes to download a file WhatsApp holds, kept with the message
//! as its handle.

use serde::{Deserialize, Serialize};
use whatsapp_rust::wacore::download::{Downloadable, MediaType};

use super::super::super::device::MediaKind;

/// Bytes as base64 in the handle's JSON.
mod b64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => s.serialize_some(&STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| STANDARD.decode(text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// What WhatsApp needs to hand a file over: where it is on its servers,
/// the key it is encrypted with and the hashes to check it by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaHandle {
    pub kind: MediaKind,
    pub direct_path: Option<String>,
    #[serde(with = "b64", default)]
    pub media_key: Option<Vec<u8>>,
    #[serde(with = "b64", default)]
    pub file_enc_sha256: Option<Vec<u8>>,
    #[serde(with = "b64", default)]
    pub file_sha256: Option<Vec<u8>>,
    pub file_length: Option<u64>,
}

impl MediaHandle {
    pub fn of(x: &dyn Downloadable, kind: MediaKind) -> Self {
        Self {
            kind,
            direct_path: x.direct_path().map(str::to_owned),
            media_key: x.media_key().map(<[u8]>::to_vec),
            file_enc_sha256: x.file_enc_sha256().map(<[u8]>::to_vec),
            file_sha256: x.file_sha256().map(<[u8]>::to_vec),
            file_length: x.file_length(),
        }
    }

    /// The handle as `Media::handle` carries it.
    pub fn encode(&self) -> Vec<u8> {
        // A struct of strings and numbers always serializes.
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn decode(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }
}

impl Downloadable for MediaHandle {
    fn direct_path(&self) -> Option<&str> {
        self.direct_path.as_deref()
    }

    fn media_key(&self) -> Option<&[u8]> {
        self.media_key.as_deref()
    }

    fn file_enc_sha256(&self) -> Option<&[u8]> {
        self.file_enc_sha256.as_deref()
    }

    fn file_sha256(&self) -> Option<&[u8]> {
        self.file_sha256.as_deref()
    }

    fn file_length(&self) -> Option<u64> {
        self.file_length
    }

    fn app_info(&self) -> MediaType {
        media_type(self.kind)
    }
}

/// The keys WhatsApp derives a file's encryption from, by kind.
pub fn media_type(kind: MediaKind) -> MediaType {
    match kind {
        MediaKind::Image => MediaType::Image,
        MediaKind::Voice | MediaKind::Audio => MediaType::Audio,
        MediaKind::Video => MediaType::Video,
        MediaKind::Document => MediaType::Document,
        MediaKind::Sticker => MediaType::Sticker,
    }
}
