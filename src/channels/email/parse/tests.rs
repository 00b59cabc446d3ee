#![allow(clippy::unwrap_used)]

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        parse(include_bytes!(concat!(
            "../../../../tests/fixtures/mail/",
            $name
        )))
        .unwrap()
    };
}

/// A valid 1×1 PNG, as attachments.eml carries it.
const PIXEL_PNG: [u8; 70] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0,
    0, 0, 31, 21, 196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 252, 207, 192, 80, 15, 0, 4,
    133, 1, 128, 132, 169, 140, 33, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

fn names(mail: &ParsedMail) -> Vec<(&str, &str)> {
    mail.attachments
        .iter()
        .map(|a| (a.name.as_str(), a.mime.as_str()))
        .collect()
}

#[test]
fn utf8_8bit_with_split_encoded_word_subject() {
    let mail = fixture!("utf8-plain.eml");
    assert_eq!(mail.message_id, "CAF=utf8.plain.1@mail.customer.test");
    assert_eq!(mail.from_address, "ivan.petrov@customer.test");
    assert_eq!(mail.from_name, "Иван Петров");
    assert_eq!(mail.reply_to.as_deref(), Some("ivan@customer.test"));
    assert_eq!(mail.to, ["shop@shop.test", "maria@customer.test"]);
    assert_eq!(mail.subject, "Заказ №1234 — where is my order?");
    // Mon, 03 Nov 2025 12:30:00 +0300
    assert_eq!(mail.date_ms, Some(1_762_162_200_000));
    assert_eq!(
        mail.text,
        "Здравствуйте!\n\n\
         Where is my order #1234? Заказ оплачен 1 ноября, but nothing has arrived yet.\n\n\
         Спасибо,\nИван"
    );
    assert_eq!(mail.quoted, None);
    assert_eq!(mail.html, None);
    assert!(mail.attachments.is_empty());
    assert!(mail.in_reply_to.is_empty() && mail.references.is_empty());
    assert!(!mail.automatic);
}

#[test]
fn windows_1251_base64() {
    let mail = fixture!("cp1251-base64.eml");
    assert_eq!(mail.from_address, "petr@customer.test");
    assert_eq!(mail.from_name, "Пётр Сидоров");
    assert_eq!(mail.subject, "Вопрос по доставке");
    assert_eq!(mail.date_ms, Some(1_762_230_600_000));
    assert_eq!(
        mail.text,
        "Добрый день!\n\n\
         Подскажите, пожалуйста, когда будет доставка в Екатеринбург?\n\
         Ёлочные игрушки нужны до 25 декабря.\n\n\
         С уважением,\nПётр Сидоров"
    );
}

#[test]
fn koi8r_quoted_printable_with_soft_breaks() {
    let mail = fixture!("koi8r-qp.eml");
    assert_eq!(mail.from_name, "Ольга");
    assert_eq!(mail.subject, "Ошибка в счёте");
    assert_eq!(
        mail.text,
        "Здравствуйте.\n\n\
         Сумма к оплате = 1500 руб., а в счёте указано 1700 руб. Это очень длинная строка, \
         которую quoted-printable перенесёт мягким переносом.\n\n\
         Ольга"
    );
}

#[test]
fn latin1_quoted_printable() {
    let mail = fixture!("latin1-qp.eml");
    assert_eq!(mail.from_name, "Jürgen Müller");
    assert_eq!(mail.subject, "Problème de livraison");
    assert_eq!(
        mail.text,
        "Bonjour,\n\n\
         je voudrais échanger ma commande n° 88 : la taille est trop petite.\n\
         Grüße aus München,\nJürgen Müller"
    );
}

#[test]
fn iso_8859_5_8bit() {
    let mail = fixture!("iso8859-5.eml");
    assert_eq!(mail.from_name, "Анна Смирнова");
    assert_eq!(mail.subject, "Трек-номер");
    assert_eq!(
        mail.text,
        "Добрый вечер!\nПришлите, пожалуйста, трек-номер.\nАнна"
    );
}

#[test]
fn html_only_mail_becomes_readable_text_and_safe_html() {
    let mail = fixture!("html-only.eml");
    assert_eq!(mail.subject, "Мой заказ");
    assert_eq!(mail.from_name, "Ivan Petrov");
    assert_eq!(
        mail.text,
        "Здравствуйте! Посмотрите мой заказ (https://shop.test/orders/77), пожалуйста.\n\n\
         Товар  Кол-во\n\
         Чайник 2\n\n\
         Вот фото:\n\n\
         Отправить\n\n\
         Пишите на ivan@customer.test\n\
         Иван"
    );
    assert_eq!(mail.quoted, None);
    let html = mail.html.unwrap();
    for banned in [
        "<script",
        "alert(",
        "onclick",
        "onmouseover",
        "steal",
        "tracker.example",
        "<form",
        "<input",
        "<iframe",
        "evil.example",
        "<style",
        "color: red",
        "<title",
        "<meta",
    ] {
        assert!(!html.contains(banned), "{banned} is still in {html}");
    }
    assert!(html.starts_with("<p>Здравствуйте! Посмотрите <a href=\"https://shop.test/orders/77\" rel=\"noopener noreferrer\">мой заказ</a>"));
    assert!(html.contains(
        "<table><tbody><tr><th>Товар</th><th>Кол-во</th></tr><tr><td>Чайник</td><td>2</td></tr></tbody></table>"
    ));
    assert!(html.contains("<img alt=\"\" width=\"1\" height=\"1\">"));
}

#[test]
fn attachments_with_rfc2231_and_encoded_word_names() {
    let mail = fixture!("attachments.eml");
    assert_eq!(mail.subject, "Счёт №5");
    assert_eq!(mail.from_name, "Иван Петров");
    assert_eq!(mail.text, "Добрый день! Счёт и фото во вложении.\n\nИван");
    assert_eq!(
        names(&mail),
        [
            ("Счёт №5.pdf", "application/pdf"),
            ("attachment-2.png", "image/png"),
            ("пожелания.txt", "text/plain"),
        ]
    );
    let [pdf, png, notes] = &mail.attachments[..] else {
        panic!("three attachments expected");
    };
    assert_eq!(pdf.bytes.len(), 142);
    assert!(pdf.bytes.starts_with(b"%PDF-1.4\n"));
    assert_eq!((pdf.inline, pdf.content_id.as_deref()), (false, None));
    assert_eq!(png.bytes, PIXEL_PNG);
    assert_eq!(
        (png.inline, png.content_id.as_deref()),
        (true, Some("pixel.1@customer.test"))
    );
    assert_eq!(notes.bytes, "Размер: M\nЦвет: синий\n".as_bytes());
    assert!(!notes.inline);
}

#[test]
fn gmail_reply_with_wrapped_attribution() {
    let mail = fixture!("reply-gmail.eml");
    assert_eq!(mail.message_id, "CAGmail+reply=77@mail.gmail.com");
    assert_eq!(mail.in_reply_to, ["order-77-1@shop.test"]);
    assert_eq!(
        mail.references,
        ["order-77-0@shop.test", "order-77-1@shop.test"]
    );
    assert_eq!(mail.subject, "Re: Ваш заказ №77 отправлен");
    assert_eq!(mail.text, "Спасибо, получил! Thanks a lot.");
    assert_eq!(
        mail.quoted.as_deref(),
        Some(
            "On Mon, 3 Nov 2025 at 10:00, Shop <shop@shop.test>\nwrote:\n\n\
             > Здравствуйте, Иван!\n\
             > Ваш заказ №77 отправлен, трек-номер RA123456789RU.\n\
             >\n> --\n> Shop"
        )
    );
    // The HTML part's gmail_quote folds the same way once rendered.
    let (new, quoted) = split_quoted(&html_to_text(&mail.html.unwrap()));
    assert_eq!(new, "Спасибо, получил! Thanks a lot.");
    assert!(quoted.unwrap().starts_with(
        "On Mon, 3 Nov 2025 at 10:00, Shop <shop@shop.test> wrote:\n\n> Здравствуйте, Иван!"
    ));
}

#[test]
fn russian_client_reply() {
    let mail = fixture!("reply-ru.eml");
    assert_eq!(mail.subject, "Re: Уточнение адреса");
    assert_eq!(mail.in_reply_to, ["address-1@shop.test"]);
    assert_eq!(
        mail.text,
        "Добрый день! Да, адрес верный: Екатеринбург, ул. Ленина, 1."
    );
    assert_eq!(
        mail.quoted.as_deref(),
        Some(
            "3 ноября 2025 г., 10:00, Магазин <shop@shop.test> написал(а):\n\
             > Уточните, пожалуйста, адрес доставки.\n> Магазин"
        )
    );
    let html = mail.html.unwrap();
    assert!(html.contains("<blockquote"));
    let (new, quoted) = split_quoted(&html_to_text(&html));
    assert_eq!(new, mail.text);
    assert_eq!(
        quoted.as_deref(),
        Some(
            "3 ноября 2025 г., 10:00, Магазин <shop@shop.test> написал(а):\n\n\
             > Уточните, пожалуйста, адрес доставки.\n> Магазин"
        )
    );
}

#[test]
fn outlook_reply_without_quote_marks() {
    let mail = fixture!("reply-outlook.eml");
    assert_eq!(mail.subject, "RE: Order 78 confirmed");
    assert_eq!(mail.to, ["shop@shop.test"]);
    assert_eq!(
        mail.text,
        "Good afternoon,\n\nPlease cancel order 78, I ordered the wrong size.\n\nRegards,\nIvan Petrov"
    );
    assert_eq!(
        mail.quoted.as_deref(),
        Some(
            "-----Original Message-----\n\
             From: Shop <shop@shop.test>\n\
             Sent: Monday, November 3, 2025 10:00 AM\n\
             To: Ivan Petrov <ivan@customer.test>\n\
             Subject: Order 78 confirmed\n\n\
             Your order 78 is confirmed and will ship tomorrow."
        )
    );
}

#[test]
fn bounce_is_automatic_and_keeps_the_returned_mail() {
    let mail = fixture!("bounce.eml");
    assert!(mail.automatic);
    assert_eq!(mail.from_address, "mailer-daemon@mx.shop.test");
    assert!(
        mail.text
            .starts_with("This is the mail system at host mx.shop.test.")
    );
    assert_eq!(
        names(&mail),
        [
            ("attachment-1.txt", "message/delivery-status"),
            ("Ваш заказ №79.eml", "message/rfc822"),
        ]
    );
    assert!(
        mail.attachments[1]
            .bytes
            .starts_with(b"Message-ID: <order-79-1@shop.test>\r\n")
    );
}

#[test]
fn auto_replies_are_automatic() {
    let mail = |extra: &str| {
        let raw = format!(
            "From: Ivan <ivan@customer.test>\r\nTo: shop@shop.test\r\nSubject: Out of office\r\n{extra}\r\nBack on Monday.\r\n"
        );
        parse(raw.as_bytes()).unwrap().automatic
    };
    assert!(mail("Auto-Submitted: auto-replied\r\n"));
    assert!(mail("Auto-Submitted: auto-generated (vacation)\r\n"));
    assert!(mail("X-Autoreply: yes\r\n"));
    assert!(mail("Precedence: auto_reply\r\n"));
    assert!(!mail("Auto-Submitted: no\r\n"));
    assert!(!mail(""));
    let postmaster = parse(b"From: postmaster@customer.test\r\n\r\nQuota exceeded\r\n").unwrap();
    assert!(postmaster.automatic);
}

#[test]
fn missing_message_id_gets_a_stable_synthetic_one() {
    let raw = include_bytes!("../../../../tests/fixtures/mail/no-message-id.eml");
    let mail = parse(raw).unwrap();
    assert_eq!(
        mail.message_id,
        "sha256-91c8859ee1bfcfb350c22f2194af41ce0178de96a76ae987c436bccdfbe5e43f@tuberry.invalid"
    );
    assert_eq!(parse(raw).unwrap().message_id, mail.message_id);
    assert_eq!(mail.from_address, "anna@customer.test");
    assert_eq!(mail.from_name, "");
    assert_eq!(mail.text, "Hi! Do you ship to Kazan?");
    let mut other = raw.to_vec();
    other.extend_from_slice(b"P.S.\r\n");
    assert_ne!(parse(&other).unwrap().message_id, mail.message_id);
}

#[test]
fn a_mail_without_sender_is_refused() {
    for raw in [
        &b"To: shop@shop.test\r\nSubject: Hi\r\n\r\nHello\r\n"[..],
        b"From: \r\nTo: shop@shop.test\r\n\r\nHello\r\n",
        b"From: undisclosed\r\n\r\nHello\r\n",
    ] {
        let error = parse(raw).unwrap_err();
        assert!(matches!(error, ParseError::NoSender), "{error:?}");
        assert_eq!(error.to_string(), "the message has no sender (From)");
    }
}

#[test]
fn a_sloppy_sender_is_still_the_sender() {
    let mail = parse(b"From: Ivan <Ivan@Customer.test\r\n\r\nHello\r\n").unwrap();
    assert_eq!(mail.from_address, "ivan@customer.test");
}

#[test]
fn ids_are_read_around_comments() {
    let raw = "From: ivan@customer.test\r\nMessage-ID: bare-id@customer.test\r\n\
               In-Reply-To: <a@shop.test> (Shop's message of Mon, 3 Nov 2025)\r\n\
               References: <a@shop.test>\r\n <b@shop.test> <a@shop.test>\r\n\r\nHi\r\n";
    let mail = parse(raw.as_bytes()).unwrap();
    assert_eq!(mail.message_id, "bare-id@customer.test");
    assert_eq!(mail.in_reply_to, ["a@shop.test"]);
    assert_eq!(mail.references, ["a@shop.test", "b@shop.test"]);
}

#[test]
fn undeclared_utf8_is_read_as_utf8() {
    let raw = "From: ivan@customer.test\r\nSubject: Привет\r\n\r\nПривет, магазин!\r\n";
    let mail = parse(raw.as_bytes()).unwrap();
    assert_eq!(mail.subject, "Привет");
    assert_eq!(mail.text, "Привет, магазин!");
}

#[test]
fn flowed_text_is_joined_back_into_paragraphs() {
    let raw = "From: ivan@customer.test\r\n\
               Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n\r\n\
               This paragraph was cut by the  \r\nclient at seventy-two characters.\r\n\
               \r\n\
               > A quoted line that also  \r\n> goes on.\r\n\
               -- \r\nIvan\r\n";
    let mail = parse(raw.as_bytes()).unwrap();
    assert_eq!(
        mail.text,
        "This paragraph was cut by the client at seventy-two characters.\n\n\
         > A quoted line that also goes on.\n--\nIvan"
    );
}

#[test]
fn an_empty_plain_alternative_gives_way_to_the_html() {
    let raw = "From: ivan@customer.test\r\n\
               Content-Type: multipart/alternative; boundary=b\r\n\r\n\
               --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n \r\n\
               --b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Где <b>заказ</b>?</p>\r\n\
               --b--\r\n";
    let mail = parse(raw.as_bytes()).unwrap();
    assert_eq!(mail.text, "Где заказ?");
    assert_eq!(mail.html.as_deref(), Some("<p>Где <b>заказ</b>?</p>"));
}

#[test]
fn text_parts_of_a_mixed_mail_follow_one_another() {
    let raw = "From: ivan@customer.test\r\n\
               Content-Type: multipart/mixed; boundary=b\r\n\r\n\
               --b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Main text</p>\r\n\
               --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nFooter\r\n\
               --b--\r\n";
    let mail = parse(raw.as_bytes()).unwrap();
    assert_eq!(mail.text, "Main text\n\nFooter");
    assert_eq!(mail.html.as_deref(), Some("<p>Main text</p>"));
}

#[test]
fn only_embedded_images_survive_sanitizing() {
    let html = "<img src=\"cid:pixel.1@customer.test\" alt=\"a\">\
                <img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"b\">\
                <img src=\"https://tracker.example/p.gif\" alt=\"c\">\
                <img src=\"logo.png\" alt=\"d\">\
                <a href=\"data:text/html,<script>alert(1)</script>\">e</a>\
                <a href=\"javascript:alert(1)\">f</a>\
                <p style=\"color: red; background: url(https://tracker.example/bg.png)\">g</p>";
    assert_eq!(
        sanitize_html(html),
        "<img src=\"cid:pixel.1@customer.test\" alt=\"a\">\
         <img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"b\">\
         <img alt=\"c\"><img alt=\"d\">\
         <a rel=\"noopener noreferrer\">e</a><a rel=\"noopener noreferrer\">f</a>\
         <p style=\"color:red\">g</p>"
    );
}

#[test]
fn links_read_as_text_and_address() {
    let html = "<p><a href=\"https://shop.test/a\">https://shop.test/a</a> \
                <a href=\"https://shop.test/b\">the page</a> \
                <a href=\"tel:+79990000000\">call</a> \
                <a href=\"#top\">top</a></p>";
    assert_eq!(
        html_to_text(html).trim_end(),
        "https://shop.test/a the page (https://shop.test/b) call (+79990000000) top"
    );
}

#[test]
fn thread_subjects() {
    for (subject, expected) in [
        ("Re: Заказ №5", "заказ №5"),
        ("RE: Re:  Заказ   №5 ", "заказ №5"),
        ("Fwd: FW: Order", "order"),
        ("AW: Bestellung", "bestellung"),
        ("Ответ: Доставка", "доставка"),
        ("Отв: Re[2]: Доставка", "доставка"),
        ("Re (3): Доставка", "доставка"),
        ("RE : Livraison", "livraison"),
        ("Reply needed: order", "reply needed: order"),
        ("Re:", ""),
        ("", ""),
    ] {
        assert_eq!(thread_subject(subject), expected, "{subject}");
    }
}

#[test]
fn a_wholly_quoted_text_stays_the_text() {
    let text = "> Your order has shipped.\n> Shop";
    assert_eq!(split_quoted(text), (text.to_owned(), None));
    let attributed = "On Mon, 3 Nov 2025, Shop <shop@shop.test> wrote:\n> Your order has shipped.";
    assert_eq!(split_quoted(attributed), (attributed.to_owned(), None));
}

#[test]
fn quote_marks_inside_the_text_are_not_history() {
    let text = "You wrote:\n> the parcel is lost\nBut it arrived today.\n\nIvan";
    assert_eq!(split_quoted(text), (text.to_owned(), None));
    let no_quote = "Thanks!\n\nOn Monday you wrote: we ship tomorrow.";
    assert_eq!(split_quoted(no_quote), (no_quote.to_owned(), None));
}

#[test]
fn a_trailing_quote_is_history_with_its_author_line() {
    let (new, quoted) = split_quoted(
        "Да, всё верно.\r\n\r\n\
         Понедельник, 3 ноября 2025, 10:00 +03:00 от Магазин <shop@shop.test>:\r\n\
         > Подтвердите адрес\r\n>\r\n> Магазин  \r\n\r\n",
    );
    assert_eq!(new, "Да, всё верно.");
    assert_eq!(
        quoted.as_deref(),
        Some(
            "Понедельник, 3 ноября 2025, 10:00 +03:00 от Магазин <shop@shop.test>:\n> Подтвердите адрес\n>\n> Магазин"
        )
    );
    let (new, quoted) = split_quoted("Ok\n\n> quoted\n\n> more");
    assert_eq!(
        (new.as_str(), quoted.as_deref()),
        ("Ok", Some("> quoted\n\n> more"))
    );
}

#[test]
fn russian_outlook_header_block_with_its_rule() {
    let (new, quoted) = split_quoted(
        "Отмените заказ.\n\n________________________________\n\
         От: Магазин <shop@shop.test>\nОтправлено: 3 ноября 2025 г. 10:00\nТема: Заказ\n\nЗаказ принят.",
    );
    assert_eq!(new, "Отмените заказ.");
    assert_eq!(
        quoted.as_deref(),
        Some(
            "________________________________\nОт: Магазин <shop@shop.test>\nОтправлено: 3 ноября 2025 г. 10:00\nТема: Заказ\n\nЗаказ принят."
        )
    );
    let (new, quoted) = split_quoted("Ок\n\n-------- Исходное сообщение --------\nЗаказ принят.");
    assert_eq!(
        (new.as_str(), quoted.as_deref()),
        (
            "Ок",
            Some("-------- Исходное сообщение --------\nЗаказ принят.")
        )
    );
}

#[test]
fn a_forwarded_mail_is_content_not_history() {
    let text = "Посмотрите, что мне пришло:\n\n\
                -------- Пересылаемое сообщение --------\n\
                От: Магазин <shop@shop.test>\nДата: 3 ноября 2025\n\n\
                Ваш заказ отменён.\n\n> старая цитата";
    assert_eq!(split_quoted(text), (text.to_owned(), None));
}
