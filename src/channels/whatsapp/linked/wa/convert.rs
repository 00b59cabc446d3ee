//! WhatsApp's messages as the channel sees them, both ways: what a received
//! message carries, who wrote it, what it answers and what it takes to
//! download its file; and the messages a reply or a file goes out as.
//!
//! Pure functions over the protocol's types, so every kind of message can
//! be checked by hand.

mod inbound;
mod media;
mod outbound;

pub use self::inbound::{lid_to_resolve, to_wa_message};
pub use self::media::{MediaHandle, media_type};
pub use self::outbound::{file_message, quote};
