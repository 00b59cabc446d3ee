//! Which certificates a mail server may show. The public web roots and the
//! company authorities of `[email] extra_ca_file`, checked with the server's
//! name, as a browser does; and, as mail programs do for a small company's
//! own server, one certificate the owner chose to trust for that server,
//! known by its SHA-256 fingerprint (a self-signed certificate often names
//! another host, so its name is not checked). A certificate given in the
//! extra file is trusted the same way, so the server's own self-signed
//! certificate works there too. When trust fails, the refusal carries the
//! certificate's fingerprint for the owner to check and trust; a different
//! certificate later is refused, naming both.

use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::model::{MailError, MailProblem, ServerCertificate};
use crate::error::{Error, Result};

/// The SHA-256 fingerprint of a certificate as mail programs show it:
/// upper-case hex pairs joined by colons.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let pairs: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    pairs.join(":")
}

/// A fingerprint as typed or stored, for comparing: hex digits only, upper case.
fn normal(fingerprint: &str) -> String {
    fingerprint
        .chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A fingerprint as given (any case, colons or spaces or none) in the form
/// [`fingerprint`] writes; refused unless it is 32 bytes of hex.
pub fn parse_fingerprint(given: &str) -> Result<String> {
    let hex = normal(given);
    let only_hex = given
        .chars()
        .all(|c| c.is_ascii_hexdigit() || c == ':' || c.is_whitespace());
    if hex.len() != 64 || !only_hex {
        return Err(Error::invalid(format!(
            "`{}` is not a SHA-256 fingerprint (32 hex pairs)",
            given.trim()
        )));
    }
    let pairs: Vec<&str> = (0..32).map(|i| &hex[i * 2..i * 2 + 2]).collect();
    Ok(pairs.join(":"))
}

/// The certificates mail servers are checked against.
pub struct Trust {
    provider: Arc<CryptoProvider>,
    webpki: Arc<WebPkiServerVerifier>,
    /// The fingerprints (normalised) of the extra file's certificates.
    extra: Vec<String>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust")
            .field("extra", &self.extra.len())
            .finish()
    }
}

impl Trust {
    /// The public web roots, plus the PEM file's certificates when given.
    pub fn new(extra_ca_file: Option<&std::path::Path>) -> Result<Self> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let mut extra = Vec::new();
        if let Some(path) = extra_ca_file {
            let pem = std::fs::read(path).map_err(|source| Error::Io {
                path: path.display().to_string(),
                source,
            })?;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| {
                    Error::invalid(format!("{}: not a PEM certificate: {e}", path.display()))
                })?;
                extra.push(normal(&fingerprint(&cert)));
                // A server's own certificate may not serve as an authority;
                // it is trusted by its fingerprint above.
                if let Err(e) = roots.add(cert) {
                    tracing::debug!(error = %e, "a certificate of the extra file is no authority");
                }
            }
            if extra.is_empty() {
                return Err(Error::invalid(format!(
                    "{}: no certificate in the file",
                    path.display()
                )));
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| Error::invalid(format!("TLS set-up: {e}")))?;
        Ok(Self {
            provider,
            webpki,
            extra,
        })
    }

    /// Whether `host` may show this chain (its own certificate first);
    /// `trusted` is the fingerprint the owner trusted for the server.
    pub fn check(
        &self,
        host: &str,
        chain: &[CertificateDer<'_>],
        trusted: Option<&str>,
    ) -> Result<(), MailError> {
        let Some((own, intermediates)) = chain.split_first() else {
            return Err(MailError::new(
                MailProblem::Tls,
                format!("{host} showed no certificate"),
            ));
        };
        let shown = fingerprint(own);
        let known = normal(&shown);
        if trusted.is_some_and(|t| normal(t) == known) || self.extra.contains(&known) {
            return Ok(());
        }
        let name = ServerName::try_from(host.to_owned()).map_err(|_| {
            MailError::new(MailProblem::Tls, format!("`{host}` is not a host name"))
        })?;
        let checked =
            self.webpki
                .verify_server_cert(own, intermediates, &name, &[], UnixTime::now());
        let Err(why) = checked else {
            return Ok(());
        };
        let message = match trusted {
            Some(before) => format!(
                "{host} shows a different certificate than the one trusted for it \
                 (now SHA-256 {shown}, trusted {before}); trust the new one only if the \
                 server's administrator says they changed it"
            ),
            None => format!(
                "{host}'s certificate is not trusted ({why}); its SHA-256 fingerprint is \
                 {shown}: trust it for this server if the server's administrator confirms it"
            ),
        };
        Err(MailError {
            problem: MailProblem::Tls,
            message,
            certificate: Some(ServerCertificate {
                fingerprint: shown,
                trusted: trusted.map(str::to_owned),
            }),
        })
    }

    /// A TLS client set-up that checks the server as [`Trust::check`] does;
    /// a refusal's details are left in `refusal`.
    pub fn client_config(
        self: &Arc<Self>,
        trusted: Option<&str>,
        refusal: Arc<Mutex<Option<MailError>>>,
    ) -> Result<rustls::ClientConfig, MailError> {
        let verifier = Checked {
            trust: self.clone(),
            trusted: trusted.map(str::to_owned),
            refusal,
        };
        Ok(
            rustls::ClientConfig::builder_with_provider(self.provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| MailError::new(MailProblem::Tls, format!("TLS set-up: {e}")))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth(),
        )
    }
}

/// rustls' check of one connection's server: [`Trust::check`] for the
/// certificate, the usual checks of the handshake's signatures.
#[derive(Debug)]
struct Checked {
    trust: Arc<Trust>,
    trusted: Option<String>,
    refusal: Arc<Mutex<Option<MailError>>>,
}

impl ServerCertVerifier for Checked {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone()];
        chain.extend(intermediates.iter().cloned());
        let host = server_name.to_str();
        match self.trust.check(&host, &chain, self.trusted.as_deref()) {
            Ok(()) => Ok(ServerCertVerified::assertion()),
            Err(refused) => {
                let why = refused.message.clone();
                if let Ok(mut slot) = self.refusal.lock() {
                    *slot = Some(refused);
                }
                Err(rustls::Error::General(why))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.trust.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.trust.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.trust
            .provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_compare_however_they_are_written() {
        let shown = fingerprint(b"a certificate");
        assert_eq!(shown.len(), 32 * 3 - 1);
        assert!(
            shown
                .chars()
                .all(|c| c == ':' || c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
        );
        assert_eq!(
            normal(&shown),
            normal(&shown.to_lowercase().replace(':', " "))
        );
        assert_eq!(
            parse_fingerprint(&shown.to_lowercase().replace(':', "")).unwrap(),
            shown
        );
        assert!(parse_fingerprint("AB:CD").is_err());
        assert!(parse_fingerprint(&shown.replace('A', "G")).is_err() || !shown.contains('A'));
    }

    #[test]
    fn an_unknown_certificate_is_refused_with_its_fingerprint() {
        let trust = Trust::new(None).unwrap();
        let chain = [CertificateDer::from(b"not really a certificate".to_vec())];
        let shown = fingerprint(&chain[0]);
        let refused = trust.check("mail.shop.test", &chain, None).unwrap_err();
        let seen = refused.certificate.expect("the certificate is named");
        assert_eq!(seen.fingerprint, shown);
        assert_eq!(seen.trusted, None);
        // Trusted by the owner: accepted, however the fingerprint was written.
        trust
            .check("mail.shop.test", &chain, Some(&shown.to_lowercase()))
            .unwrap();
        // Trusted before, now another one.
        let refused = trust
            .check("mail.shop.test", &chain, Some("AA:BB"))
            .unwrap_err();
        assert!(
            refused.message.contains("different certificate"),
            "{}",
            refused.message
        );
        assert_eq!(
            refused.certificate.unwrap().trusted.as_deref(),
            Some("AA:BB")
        );
    }
}
