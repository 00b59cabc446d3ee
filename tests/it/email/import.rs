use super::*;

#[tokio::test]
async fn restart_and_uidvalidity_change_import_nothing_twice() {
    let mut mail = Mail::start().await;
    let mut input = mail.input();
    input.move_to = None;
    mail.add(input).await;
    for i in 0..3 {
        mail.servers
            .deliver(
                IVAN,
                SHOP,
                &customer_mail(&format!("r{i}"), &format!("Order {i}"), "Hi", ""),
            )
            .await;
    }
    mail.until_inbound(3).await;

    mail.restart_engine().await;
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("r3", "Order 3", "After the restart", ""),
        )
        .await;
    let inbound = mail.until_inbound(4).await;
    assert_eq!(inbound.len(), 4);

    // The server renumbers the folder: it is read again, nothing doubles.
    mail.restart_engine().await;
    mail.servers.change_uid_validity(SHOP, "INBOX");
    let account = api::list_mailboxes(mail.engine()).await.unwrap()[0].account_id;
    mail.restart_engine().await;
    mail.until_mailbox(account, "listening", |m| m.state == MailboxState::Listening)
        .await;
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("r4", "Order 4", "After the resync", ""),
        )
        .await;
    let inbound = mail.until_inbound(5).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let inbound_again = mail.until_inbound(0).await;
    assert_eq!(inbound.len(), 5);
    assert_eq!(inbound_again.len(), 5);
    assert_eq!(mail.conversations().await.len(), 5);
}

#[tokio::test]
async fn server_down_then_up() {
    // Enough attempts to outlast the outage.
    let mut mail = Mail::start_with(|s| s.queue.max_attempts = 50).await;
    let mailbox = mail.add(mail.input()).await;
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("d1", "Question", "Are you open?", ""),
        )
        .await;
    mail.until_inbound(1).await;
    let conversation = mail.conversations().await.remove(0);

    mail.servers.stop().await;
    let offline = mail
        .until_mailbox(mailbox.account_id, "offline", |m| {
            m.state == MailboxState::Offline
        })
        .await;
    assert_eq!(offline.last_error.unwrap().problem, MailProblem::Connect);
    // A reply written meanwhile waits in the queue.
    let reply = api::send_reply(mail.engine(), conversation.id, "Yes, until 8 pm.".into())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pending = mail.messages(conversation.id).await;
    assert_eq!(pending.last().unwrap().delivery, Some(Delivery::Pending));

    mail.servers.restart().await;
    let sent = mail.until_delivery(conversation.id, reply.id).await;
    assert_eq!(sent.delivery, Some(Delivery::Sent), "{sent:?}");
    mail.until_mailbox(mailbox.account_id, "back", |m| {
        m.state == MailboxState::Listening
    })
    .await;
    mail.servers
        .deliver(
            IVAN,
            SHOP,
            &customer_mail("d2", "Re: Question", "Thanks!", ""),
        )
        .await;
    mail.until_inbound(2).await;
    let received = mail.servers.wait_messages(IVAN, "INBOX", 1).await;
    assert_eq!(received.len(), 1, "the reply arrived once");
}

#[tokio::test]
async fn importing_a_full_mailbox_shows_progress_and_moves_mail() {
    let mail = Mail::start_with(|s| s.email.batch = 20).await;
    const N: usize = 120;
    let mails: Vec<Vec<u8>> = (0..N)
        .map(|i| customer_mail(&format!("m{i}"), &format!("Order {i}"), "Hello", ""))
        .collect();
    for chunk in mails.chunks(12) {
        futures_util::future::join_all(
            chunk
                .iter()
                .map(|raw| mail.servers.deliver(IVAN, SHOP, raw)),
        )
        .await;
    }
    let mut events = mail.engine().events().subscribe();
    let mut input = mail.input();
    input.move_to = Some("Обработанные".into());
    let mailbox = api::add_mailbox(mail.engine(), input).await.unwrap();
    let mut progress = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let event = tokio::time::timeout_at(deadline, events.next())
            .await
            .unwrap()
            .unwrap();
        if let tuberry::events::EngineEvent::AccountChanged { account_id } = event
            && account_id == mailbox.account_id
        {
            let m = api::list_mailboxes(mail.engine()).await.unwrap().remove(0);
            if let Some(p) = m.import
                && progress.last() != Some(&(p.done, p.total))
            {
                progress.push((p.done, p.total));
            }
            if m.state == MailboxState::Listening {
                break;
            }
        }
    }
    assert!(
        progress.iter().all(|(_, total)| *total == N as u32),
        "{progress:?}"
    );
    assert!(
        progress.len() >= 3,
        "progress was shown in steps: {progress:?}"
    );
    mail.until_inbound(N).await;
    let processed = tuberry::channels::email::net::folder_name("Обработанные");
    assert!(
        processed.starts_with('&') && processed.is_ascii(),
        "{processed}"
    );
    assert_eq!(mail.servers.messages(SHOP, &processed).await.len(), N);
    assert!(mail.servers.messages(SHOP, "INBOX").await.is_empty());
}
