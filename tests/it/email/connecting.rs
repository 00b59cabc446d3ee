use super::*;

#[tokio::test]
async fn test_connection_names_the_problem() {
    let mail = Mail::start().await;
    let e = mail.engine();
    let good = mail.input();

    let report = api::test_mailbox(e, good.clone(), None).await.unwrap();
    assert!(report.ok(), "{report:?}");

    let mut wrong = good.clone();
    wrong.password = Some("not-the-password".into());
    let report = api::test_mailbox(e, wrong, None).await.unwrap();
    assert_eq!(report.imap.unwrap().problem, MailProblem::Auth);
    assert_eq!(report.smtp.unwrap().problem, MailProblem::Auth);

    let mut wrong = good.clone();
    wrong.imap.host = "imap.nowhere.invalid".into();
    let report = api::test_mailbox(e, wrong, None).await.unwrap();
    assert_eq!(report.imap.unwrap().problem, MailProblem::Dns);
    assert!(report.smtp.is_none());

    let mut wrong = good.clone();
    wrong.folder = Some("No such folder".into());
    let report = api::test_mailbox(e, wrong, None).await.unwrap();
    let problem = report.imap.unwrap();
    assert_eq!(problem.problem, MailProblem::Folder, "{problem:?}");
    assert!(problem.message.contains("No such folder"), "{problem:?}");

    // TLS spoken to a plain port, and a port where nothing listens.
    let mut wrong = good.clone();
    wrong.imap.security = MailSecurity::Tls;
    let report = api::test_mailbox(e, wrong, None).await.unwrap();
    assert_eq!(report.imap.unwrap().problem, MailProblem::Tls);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut wrong = good.clone();
    wrong.smtp.port = closed;
    let report = api::test_mailbox(e, wrong, None).await.unwrap();
    assert_eq!(report.smtp.unwrap().problem, MailProblem::Connect);

    // Both encrypted modes against the test CA: STARTTLS and implicit TLS.
    let ports = mail.servers.ports();
    let mut starttls = good.clone();
    starttls.imap.security = MailSecurity::Starttls;
    starttls.smtp = MailServer {
        host: "localhost".into(),
        port: ports.submission,
        security: MailSecurity::Starttls,
        trusted_cert: None,
    };
    starttls.imap.host = "localhost".into();
    let report = api::test_mailbox(e, starttls, None).await.unwrap();
    assert!(report.ok(), "STARTTLS: {report:?}");
    let mut tls = good.clone();
    tls.imap = MailServer {
        host: "localhost".into(),
        port: ports.imaps,
        security: MailSecurity::Tls,
        trusted_cert: None,
    };
    tls.smtp = MailServer {
        host: "localhost".into(),
        port: ports.submissions,
        security: MailSecurity::Tls,
        trusted_cert: None,
    };
    let report = api::test_mailbox(e, tls.clone(), None).await.unwrap();
    assert!(report.ok(), "implicit TLS: {report:?}");

    // Adding refuses a wrong password and keeps nothing.
    let mut wrong = good.clone();
    wrong.password = Some("nope".into());
    let err = api::add_mailbox(e, wrong).await.unwrap_err();
    assert!(err.message.contains("refused the login"), "{err:?}");
    assert!(api::list_mailboxes(e).await.unwrap().is_empty());

    // Added over TLS; the password is in the keyring, not in the data folder.
    let mailbox = mail.add(tls).await;
    assert_eq!(mailbox.address, SHOP);
    let password = mail.servers.password(SHOP).as_bytes().to_vec();
    for entry in walk(mail.dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes
                .windows(password.len())
                .any(|w| w == password.as_slice()),
            "the password is in {}",
            entry.display()
        );
    }
    api::remove_mailbox(e, mailbox.account_id).await.unwrap();
    assert!(api::list_mailboxes(e).await.unwrap().is_empty());
}

#[tokio::test]
async fn without_idle_the_mailbox_polls() {
    let servers = Servers::start_with(Options {
        idle: false,
        ..Options::default()
    })
    .await;
    let mail = Mail::start_on(servers, |_| {}).await;
    let mut input = mail.input();
    input.poll_interval_s = Some(10);
    let mailbox = mail.add(input).await;
    assert_eq!(mailbox.state, MailboxState::Polling);
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("p1", "Polling", "Found by polling", ""),
        )
        .await;
    let inbound = mail.until_inbound(1).await;
    assert_eq!(inbound[0].text, "Found by polling");
}

#[tokio::test]
async fn the_command_line_tests_adds_edits_and_removes_a_mailbox() {
    let servers = Servers::start().await;
    let ports = *servers.ports();
    let dir = tempfile::tempdir().unwrap();
    let servers_args = super::shop_mailbox_args(&servers);
    let run = |args: &[&str], password: &str| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(servers_args.iter().map(String::as_str));
        tuberry(dir.path(), &all, password)
    };

    let (ok, out, err) = run(&["mailbox", "test"], "wrong");
    assert!(!ok);
    assert!(
        out.contains("IMAP: Auth") && out.contains("SMTP: Auth"),
        "{out}{err}"
    );
    let (ok, out, err) = run(&["mailbox", "test"], servers.password(SHOP));
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("IMAP: OK") && out.contains("SMTP: OK"),
        "{out}"
    );

    let (ok, out, err) = run(
        &["mailbox", "add", "--name", "Shop mail"],
        servers.password(SHOP),
    );
    assert!(ok, "{err}");
    assert!(out.contains("Shop mail <shop@shop.test>"), "{out}");
    let (ok, out, err) = tuberry(dir.path(), &["--json", "mailbox", "list"], "");
    assert!(ok, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["address"], SHOP);
    assert_eq!(list[0]["imap"]["port"], ports.imap);
    let id = list[0]["accountId"].to_string();

    let (ok, out, err) = tuberry(
        dir.path(),
        &[
            "mailbox",
            "edit",
            &id,
            "--name",
            "Orders",
            "--poll-interval",
            "120",
        ],
        "",
    );
    assert!(ok, "{err}");
    assert!(out.contains("Orders <shop@shop.test>"), "{out}");
    let (ok, _, err) = tuberry(dir.path(), &["mailbox", "remove", &id], "");
    assert!(ok, "{err}");
    let (_, out, _) = tuberry(dir.path(), &["mailbox", "list"], "");
    assert!(out.contains("No mailboxes yet"), "{out}");
}

/// A company's own server with a certificate no public authority signed:
/// Test connection names its fingerprint, the owner trusts it for that
/// server, mail comes in and replies go out; a different certificate later
/// is refused, naming both.
#[tokio::test]
async fn a_certificate_the_owner_trusts_for_the_server() {
    use rustls::pki_types::pem::PemObject;
    let mail = Mail::start_with(|s| s.email.extra_ca_file = None).await;
    let e = mail.engine();
    let pem = mail.servers.server_cert_pem();
    let der = rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
    let fingerprint = tuberry::channels::email::trust::fingerprint(&der);
    let ports = mail.servers.ports();
    let mut input = mail.input();
    input.imap = MailServer {
        host: "localhost".into(),
        port: ports.imaps,
        security: MailSecurity::Tls,
        trusted_cert: None,
    };
    input.smtp = MailServer {
        host: "localhost".into(),
        port: ports.submission,
        security: MailSecurity::Starttls,
        trusted_cert: None,
    };

    let report = api::test_mailbox(e, input.clone(), None).await.unwrap();
    for refused in [report.imap.unwrap(), report.smtp.unwrap()] {
        assert_eq!(refused.problem, MailProblem::Tls, "{refused:?}");
        let shown = refused.certificate.expect("the certificate is named");
        assert_eq!(shown.fingerprint, fingerprint);
        assert_eq!(shown.trusted, None);
        assert!(
            refused.message.contains(&fingerprint),
            "{}",
            refused.message
        );
    }
    assert!(
        api::add_mailbox(e, input.clone()).await.is_err(),
        "not added untrusted"
    );

    // Trusted as typed by hand: lower case, no colons.
    let typed = fingerprint.replace(':', "").to_lowercase();
    input.imap.trusted_cert = Some(typed.clone());
    input.smtp.trusted_cert = Some(typed);
    let report = api::test_mailbox(e, input.clone(), None).await.unwrap();
    assert!(report.ok(), "{report:?}");
    let mailbox = mail.add(input.clone()).await;
    assert_eq!(
        mailbox.imap.trusted_cert.as_deref(),
        Some(fingerprint.as_str())
    );
    mail.servers
        .deliver(IVAN, SHOP, &customer_mail("t1", "Own server", "Hello?", ""))
        .await;
    mail.until_inbound(1).await;
    let conversation = mail.conversations().await.remove(0);
    let reply = api::send_reply(e, conversation.id, "Hello, Ivan.".into())
        .await
        .unwrap();
    let sent = mail.until_delivery(conversation.id, reply.id).await;
    assert_eq!(sent.delivery, Some(Delivery::Sent), "{sent:?}");

    // Another certificate than the one trusted.
    let before = "AB:".repeat(31) + "AB";
    input.imap.trusted_cert = Some(before.clone());
    input.smtp.trusted_cert = Some(before.clone());
    let report = api::test_mailbox(e, input.clone(), None).await.unwrap();
    for refused in [report.imap.unwrap(), report.smtp.unwrap()] {
        assert!(
            refused.message.contains("different certificate"),
            "{refused:?}"
        );
        let shown = refused.certificate.unwrap();
        assert_eq!(
            (shown.fingerprint.as_str(), shown.trusted.as_deref()),
            (fingerprint.as_str(), Some(before.as_str()))
        );
    }
    // Not a fingerprint at all.
    input.imap.trusted_cert = Some("not hex".into());
    assert!(api::test_mailbox(e, input, None).await.is_err());
}

/// The server's own certificate given as `[email] extra_ca_file` is trusted
/// for what it is, though it is no authority.
#[tokio::test]
async fn the_servers_own_certificate_as_the_extra_file() {
    let servers = Servers::start().await;
    let own = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(own.path(), servers.server_cert_pem()).unwrap();
    let path = own.path().to_path_buf();
    let mail = Mail::start_on(servers, |s| s.email.extra_ca_file = Some(path)).await;
    let ports = mail.servers.ports();
    let mut input = mail.input();
    input.imap.host = "localhost".into();
    input.imap.port = ports.imaps;
    input.imap.security = MailSecurity::Tls;
    let report = api::test_mailbox(mail.engine(), input, None).await.unwrap();
    assert!(report.ok(), "{report:?}");
}
