//! Smoke tests of the mail server harness ([`tuberry_fakes::mail`]): each
//! proves one promise the e-mail channel's tests rely on.

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tuberry_fakes::mail::{IVAN, MailServer, Options, SHOP};

fn raw(from: &str, to: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@test>\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    String::from_utf8_lossy(haystack).contains(needle)
}

/// lettre logging in as `user` on one of the submission ports.
fn submission(
    port: u16,
    tls: Tls,
    user: &str,
    password: &str,
) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("localhost")
        .port(port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(10)))
        .credentials(Credentials::new(user.to_owned(), password.to_owned()))
        .build()
}

fn tls_parameters(server: &MailServer) -> TlsParameters {
    TlsParameters::builder("localhost".to_owned())
        .add_root_certificate(Certificate::from_pem(server.ca_pem().as_bytes()).unwrap())
        .build_rustls()
        .unwrap()
}

fn envelope(from: &str, to: &str) -> Envelope {
    Envelope::new(Some(from.parse().unwrap()), vec![to.parse().unwrap()]).unwrap()
}

/// An IMAP session over TLS trusting only the server's CA.
async fn imap_tls<S>(server: &MailServer, stream: S) -> tokio_rustls::client::TlsStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(server.ca_pem().as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), stream)
        .await
        .unwrap()
}

/// A customer's mail goes through Postfix and LMTP into the shop's INBOX
/// and reads back over IMAP unchanged (behind the added trace headers) and
/// unread; other mailboxes and missing folders stay empty.
#[tokio::test]
async fn delivered_mail_reads_back_from_the_inbox() {
    let server = MailServer::start().await;
    let mail = raw(IVAN, SHOP, "first", "Hello, do you ship to Riga?");
    server.deliver(IVAN, SHOP, &mail).await;

    let messages = server.messages(SHOP, "INBOX").await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let (uid, stored, flags) = &messages[0];
    assert_eq!(*uid, 1);
    assert!(
        stored.ends_with(&mail),
        "{}",
        String::from_utf8_lossy(stored)
    );
    assert!(contains(stored, "Return-Path: <ivan@customer.test>"));
    assert!(contains(stored, "Delivered-To: shop@shop.test"));
    assert!(flags.is_empty(), "{flags:?}");
    assert!(server.messages(IVAN, "INBOX").await.is_empty());
    assert!(server.messages(SHOP, "Archive").await.is_empty());
}

/// The shop sends to the customer over every submission port with its login
/// (trusting only the private CA where TLS is used); a wrong password is a
/// permanent 535, and without a login nothing is accepted.
#[tokio::test]
async fn submission_ports_need_the_login_and_deliver() {
    let server = MailServer::start().await;
    let ports = *server.ports();
    let password = server.password(SHOP);
    let routes = [
        (
            "starttls",
            ports.submission,
            Tls::Required(tls_parameters(&server)),
        ),
        (
            "implicit",
            ports.submissions,
            Tls::Wrapper(tls_parameters(&server)),
        ),
        ("plain", ports.submission_plain, Tls::None),
    ];
    for (name, port, tls) in routes {
        submission(port, tls, SHOP, password)
            .send_raw(&envelope(SHOP, IVAN), &raw(SHOP, IVAN, name, "Yes, we do."))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", server.maillog()));
    }
    let received = server.wait_messages(IVAN, "INBOX", 3).await;
    for name in ["starttls", "implicit", "plain"] {
        let subject = format!("Subject: {name}\r\n");
        assert!(
            received.iter().any(|mail| contains(mail, &subject)),
            "{name}"
        );
    }

    let wrong = submission(
        ports.submission,
        Tls::Required(tls_parameters(&server)),
        SHOP,
        "not-the-password",
    )
    .send_raw(&envelope(SHOP, IVAN), &raw(SHOP, IVAN, "wrong", "x"))
    .await
    .unwrap_err();
    assert!(wrong.is_permanent(), "{wrong}");
    assert_eq!(
        wrong.status().map(|c| c.to_string()).as_deref(),
        Some("535")
    );

    let anonymous = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(ports.submission_plain)
        .tls(Tls::None)
        .build()
        .send_raw(&envelope(SHOP, IVAN), &raw(SHOP, IVAN, "anonymous", "x"))
        .await
        .unwrap_err();
    assert!(anonymous.is_permanent(), "{anonymous}");
    assert_eq!(server.messages(IVAN, "INBOX").await.len(), 3);
}

/// Unknown mailboxes are refused at RCPT with a permanent 550, with and
/// without a login; a user added at start receives mail.
#[tokio::test]
async fn unknown_recipients_are_refused_at_rcpt() {
    let server = MailServer::start_with_users(&[("anna@customer.test", "anna-pw")]).await;
    let unknown = "unknown@customer.test";
    let mail = raw(SHOP, unknown, "lost", "x");
    let plain = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(server.ports().smtp)
        .tls(Tls::None)
        .build();
    let logged_in = submission(
        server.ports().submission_plain,
        Tls::None,
        SHOP,
        server.password(SHOP),
    );
    for transport in [plain, logged_in] {
        let refused = transport
            .send_raw(&envelope(SHOP, unknown), &mail)
            .await
            .unwrap_err();
        assert!(refused.is_permanent(), "{refused}");
        assert_eq!(
            refused.status().map(|c| c.to_string()).as_deref(),
            Some("550")
        );
        assert!(refused.to_string().contains("User unknown"), "{refused}");
    }

    server
        .deliver(
            SHOP,
            "anna@customer.test",
            &raw(SHOP, "anna@customer.test", "hi", "x"),
        )
        .await;
    assert_eq!(
        server.messages("anna@customer.test", "INBOX").await.len(),
        1
    );
}

/// A new UIDVALIDITY shows in SELECT while the messages stay as they were.
#[tokio::test]
async fn uid_validity_changes_and_messages_stay() {
    let server = MailServer::start().await;
    server
        .deliver(IVAN, SHOP, &raw(IVAN, SHOP, "one", "1"))
        .await;
    server
        .deliver(IVAN, SHOP, &raw(IVAN, SHOP, "two", "2"))
        .await;
    let before = server.uid_validity(SHOP, "INBOX").await;
    let messages = server.messages(SHOP, "INBOX").await;

    let changed = server.change_uid_validity(SHOP, "INBOX");
    assert_ne!(changed, before);
    assert_eq!(server.uid_validity(SHOP, "INBOX").await, changed);
    let after = server.messages(SHOP, "INBOX").await;
    assert_eq!(after.len(), 2);
    let bodies = |m: &[(u32, Vec<u8>, Vec<String>)]| -> Vec<Vec<u8>> {
        m.iter().map(|(_, raw, _)| raw.clone()).collect()
    };
    assert_eq!(bodies(&after), bodies(&messages));
}

/// Stopped servers refuse connections on every port; restarted ones serve
/// on the same ports, with the mail kept, and deliver again.
#[tokio::test]
async fn stop_refuses_connections_and_restart_serves_again() {
    let mut server = MailServer::start().await;
    server
        .deliver(IVAN, SHOP, &raw(IVAN, SHOP, "before", "x"))
        .await;
    let ports = *server.ports();
    let all = [
        ports.imap,
        ports.imaps,
        ports.smtp,
        ports.submission,
        ports.submissions,
        ports.submission_plain,
    ];

    server.stop().await;
    for port in all {
        let refused = TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
        assert_eq!(
            refused.kind(),
            std::io::ErrorKind::ConnectionRefused,
            "port {port}"
        );
    }

    server.restart().await;
    assert_eq!(*server.ports(), ports);
    for port in all {
        TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    }
    server
        .deliver(IVAN, SHOP, &raw(IVAN, SHOP, "after", "x"))
        .await;
    let messages = server.wait_messages(SHOP, "INBOX", 2).await;
    assert!(contains(&messages[0], "Subject: before"));
    assert!(contains(&messages[1], "Subject: after"));
}

/// IMAP over implicit TLS and over STARTTLS, trusting only the private CA,
/// logs in and selects the INBOX; the CA file holds the CA.
#[tokio::test]
async fn imap_speaks_tls_with_the_private_ca() {
    let server = MailServer::start().await;
    assert_eq!(
        fs::read_to_string(server.ca_file()).unwrap(),
        server.ca_pem()
    );

    let tcp = TcpStream::connect(("127.0.0.1", server.ports().imaps))
        .await
        .unwrap();
    let mut client = async_imap::Client::new(imap_tls(&server, tcp).await);
    client.read_response().await.unwrap().unwrap();
    let mut session = client
        .login(SHOP, server.password(SHOP))
        .await
        .map_err(|(e, _)| e)
        .unwrap();
    session.select("INBOX").await.unwrap();
    session.logout().await.unwrap();

    let tcp = TcpStream::connect(("127.0.0.1", server.ports().imap))
        .await
        .unwrap();
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap().unwrap();
    client
        .run_command_and_check_ok("STARTTLS", None)
        .await
        .unwrap();
    let tls = imap_tls(&server, client.into_inner()).await;
    let mut session = async_imap::Client::new(tls)
        .login(IVAN, server.password(IVAN))
        .await
        .map_err(|(e, _)| e)
        .unwrap();
    session.select("INBOX").await.unwrap();
    session.logout().await.unwrap();
}

/// What the IMAP server advertises as `user`: the capabilities in the
/// greeting (before login) and those CAPABILITY answers after login.
async fn imap_capabilities(server: &MailServer, user: &str) -> (Vec<String>, Vec<String>) {
    let tcp = TcpStream::connect(("127.0.0.1", server.ports().imap))
        .await
        .unwrap();
    let (read, mut write) = tcp.into_split();
    let mut lines = BufReader::new(read).lines();
    let greeting = lines.next_line().await.unwrap().unwrap();
    let before = greeting
        .split_once("[CAPABILITY ")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| words(list))
        .unwrap_or_else(|| panic!("no capabilities in the greeting `{greeting}`"));

    let password = server.password(user);
    let commands = format!("a LOGIN {user} {password}\r\nb CAPABILITY\r\nc LOGOUT\r\n");
    write.write_all(commands.as_bytes()).await.unwrap();
    let mut after = None;
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(list) = line.strip_prefix("* CAPABILITY ") {
            after = Some(words(list));
        }
        if !line.starts_with('*') {
            assert!(line.split_whitespace().nth(1) == Some("OK"), "{line}");
        }
    }
    (before, after.expect("an untagged CAPABILITY after login"))
}

fn words(list: &str) -> Vec<String> {
    list.split_whitespace().map(str::to_owned).collect()
}

/// Started without IDLE, Dovecot advertises no IDLE, neither in its greeting
/// nor after login, and everything else as usual.
#[tokio::test]
async fn idle_can_be_left_out() {
    let usual = MailServer::start().await;
    let without = MailServer::start_with(Options {
        idle: false,
        ..Options::default()
    })
    .await;
    let (usual_before, usual_after) = imap_capabilities(&usual, SHOP).await;
    let (before, after) = imap_capabilities(&without, SHOP).await;

    let idle = "IDLE".to_owned();
    assert!(usual_before.contains(&idle), "{usual_before:?}");
    assert!(usual_after.contains(&idle), "{usual_after:?}");
    assert!(!before.contains(&idle), "{before:?}");
    assert!(!after.contains(&idle), "{after:?}");
    let but_idle = |list: Vec<String>| -> Vec<String> {
        list.into_iter().filter(|name| *name != idle).collect()
    };
    assert_eq!(after, but_idle(usual_after));
    assert!(before.contains(&"STARTTLS".to_owned()), "{before:?}");
    assert!(before.contains(&"AUTH=PLAIN".to_owned()), "{before:?}");
    let login_only = |name: &String| name == "STARTTLS" || name.starts_with("AUTH=");
    assert_eq!(
        before
            .iter()
            .filter(|name| !login_only(name))
            .collect::<Vec<_>>(),
        after.iter().collect::<Vec<_>>()
    );
}
