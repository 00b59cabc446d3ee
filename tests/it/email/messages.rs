use super::*;

#[tokio::test]
async fn a_customer_mail_is_answered_as_a_threaded_reply() {
    let mail = Mail::start().await;
    let e = mail.engine();
    let mailbox = mail.add(mail.input()).await;
    // The mailbox in the one account model, as every kind reports.
    let accounts = api::list_accounts(e).await.unwrap();
    let account = accounts
        .iter()
        .find(|a| a.id == mailbox.account_id)
        .expect("the mailbox is an account");
    assert_eq!(
        account.status.state,
        tuberry::channels::AccountState::Connected,
        "{account:?}"
    );
    assert!(
        matches!(
            account.status.detail.as_deref(),
            Some("listening" | "polling")
        ),
        "{account:?}"
    );
    assert!(account.status.last_connected_at.is_some(), "{account:?}");

    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail(
                "q1",
                "Delivery to Kazan?",
                "Hello! Do you deliver to Kazan?",
                "",
            ),
        )
        .await;
    let inbound = mail.until_inbound(1).await;
    assert_eq!(inbound[0].text, "Hello! Do you deliver to Kazan?");
    let conversation = mail.conversations().await.remove(0);
    assert_eq!(conversation.subject.as_deref(), Some("Delivery to Kazan?"));
    assert_eq!(conversation.contact_name, "Ivan Petrov");

    // The reply, with a file from the composer.
    let pdf = api::upload_attachment(
        e,
        "price list.pdf".into(),
        Some("application/pdf".into()),
        b"%PDF-1.4 price".to_vec(),
    )
    .await
    .unwrap();
    let reply = api::send_reply_with_files(
        e,
        conversation.id,
        "Yes, in two days.".into(),
        vec![pdf],
        None,
        None,
    )
    .await
    .unwrap();
    let sent = mail.until_delivery(conversation.id, reply.id).await;
    assert_eq!(sent.delivery, Some(Delivery::Sent), "{sent:?}");

    let received = mail.servers.wait_messages(IVAN, "INBOX", 1).await;
    let raw = &received[0];
    let got = parse::parse(raw).unwrap();
    assert_eq!(got.from_address, SHOP);
    assert_eq!(got.to, vec![IVAN.to_owned()]);
    assert_eq!(got.subject, "Re: Delivery to Kazan?");
    assert_eq!(got.in_reply_to, vec!["q1@customer.test".to_owned()]);
    assert_eq!(got.references, vec!["q1@customer.test".to_owned()]);
    assert!(got.message_id.ends_with("@shop.test"), "{}", got.message_id);
    assert_eq!(got.text, "Yes, in two days.");
    assert_eq!(got.attachments.len(), 1);
    assert_eq!(got.attachments[0].name, "price list.pdf");
    assert_eq!(got.attachments[0].bytes, b"%PDF-1.4 price");
    assert!(
        header(raw, "From").contains("Flower shop"),
        "{}",
        header(raw, "From")
    );

    // A copy is kept in the shop's Sent folder, once.
    let copies = mail.servers.wait_messages(SHOP, "Sent", 1).await;
    assert_eq!(parse::parse(&copies[0]).unwrap().message_id, got.message_id);

    // The customer answers the reply, quoting it: same conversation, quote folded.
    let answer = customer_mail(
        "q2",
        "Re: Delivery to Kazan?",
        "Great, I'll order today.\r\n\r\nOn Mon, 3 Nov 2025 at 11:00, Flower shop <shop@shop.test> wrote:\r\n> Yes, in two days.",
        &format!(
            "In-Reply-To: <{}>\r\nReferences: <q1@customer.test> <{}>\r\n",
            got.message_id, got.message_id
        ),
    );
    mail.servers.deliver(IVAN, SHOP, &answer).await;
    let inbound = mail.until_inbound(2).await;
    assert_eq!(mail.conversations().await.len(), 1);
    assert_eq!(inbound[1].conversation_id, conversation.id);
    assert_eq!(inbound[1].text, "Great, I'll order today.");
    assert!(
        inbound[1]
            .quoted
            .as_deref()
            .unwrap_or_default()
            .contains("> Yes, in two days.")
    );

    // A new mail with the same subject but no headers still threads; another subject does not.
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("q3", "RE: Delivery to Kazan?", "And to Samara?", ""),
        )
        .await;
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("q4", "Wholesale", "Do you sell wholesale?", ""),
        )
        .await;
    let inbound = mail.until_inbound(4).await;
    assert_eq!(inbound[2].conversation_id, conversation.id);
    assert_ne!(inbound[3].conversation_id, conversation.id);
    // The shop's INBOX mail is marked read once stored.
    let flags = mail.servers.messages(SHOP, "INBOX").await;
    assert!(
        flags
            .iter()
            .all(|(_, _, f)| f.iter().any(|f| f.contains("Seen"))),
        "{flags:?}"
    );
}

#[tokio::test]
async fn charsets_html_and_attachments_are_read() {
    let mail = Mail::start().await;
    mail.add(mail.input()).await;
    let fixtures = [
        "utf8-plain.eml",
        "cp1251-base64.eml",
        "koi8r-qp.eml",
        "latin1-qp.eml",
        "iso8859-5.eml",
        "html-only.eml",
        "attachments.eml",
        "bounce.eml",
    ];
    for name in fixtures {
        mail.servers.deliver(IVAN, SHOP, &fixture(name)).await;
    }
    // The bounce is not a customer message.
    let inbound = mail.until_inbound(fixtures.len() - 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mail.until_inbound(0).await.len(), fixtures.len() - 1);
    for (name, message) in fixtures.iter().zip(&inbound) {
        let expected = parse::parse(&fixture(name)).unwrap();
        assert_eq!(message.text, expected.text, "{name}");
        assert!(!message.text.contains('�'), "{name}: {}", message.text);
        assert_eq!(message.has_html, expected.html.is_some(), "{name}");
        assert_eq!(
            message.attachments.len(),
            expected.attachments.len(),
            "{name}"
        );
    }
    let e = mail.engine();
    let cp1251 = &inbound[1];
    assert!(
        cp1251.text.chars().any(|c| ('а'..='я').contains(&c)),
        "{}",
        cp1251.text
    );

    let html = &inbound[5];
    let page = api::message_html(e, html.id).await.unwrap().unwrap();
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("onclick"), "{page}");
    assert!(!html.text.contains('<'), "{}", html.text);

    let with_files = &inbound[6];
    let expected = parse::parse(&fixture("attachments.eml")).unwrap();
    for (a, want) in with_files.attachments.iter().zip(&expected.attachments) {
        assert_eq!(a.name, want.name);
        let bytes = api::read_attachment(e, a.url.as_deref().unwrap())
            .await
            .unwrap();
        assert_eq!(bytes, want.bytes);
    }
    let saved_dir = mail.dir.path().join("saved");
    let first = &with_files.attachments[0];
    let path = api::save_attachment(e, first.url.as_deref().unwrap(), &first.name, &saved_dir)
        .await
        .unwrap();
    let again = api::save_attachment(e, first.url.as_deref().unwrap(), &first.name, &saved_dir)
        .await
        .unwrap();
    assert_ne!(path, again);
    assert_eq!(std::fs::read(&path).unwrap(), expected.attachments[0].bytes);
}

#[tokio::test]
async fn an_unknown_recipient_fails_the_reply_with_the_servers_reason() {
    let mail = Mail::start().await;
    mail.add(mail.input()).await;
    let from_nobody = customer_mail("n1", "Hello", "Write me back", "")
        .into_iter()
        .collect::<Vec<u8>>();
    let raw = String::from_utf8(from_nobody)
        .unwrap()
        .replace(IVAN, "nobody@customer.test");
    mail.servers
        .deliver("nobody@customer.test", SHOP, raw.as_bytes())
        .await;
    mail.until_inbound(1).await;
    let conversation = mail.conversations().await.remove(0);
    let reply = api::send_reply(mail.engine(), conversation.id, "Hello!".into())
        .await
        .unwrap();
    let failed = mail.until_delivery(conversation.id, reply.id).await;
    assert_eq!(failed.delivery, Some(Delivery::Failed));
    let reason = failed.delivery_error.unwrap();
    assert!(reason.contains("550"), "{reason}");
}
