//! Reading a raw e-mail (RFC 5322 / MIME) into what the inbox stores.
