//! E-mail: a business mailbox as a customer channel. IMAP brings mail in,
//! SMTP sends replies as proper e-mail replies.

pub mod parse;
