// Demo conversations for the in-memory engine (see mock.ts).
import type {
  Attachment,
  AttachmentKind,
  AuthorKind,
  ChannelKind,
  ContactIdentity,
  ConversationStatus,
  Delivery,
  Direction,
  Listing,
} from "./api";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A file the demo engine keeps (see mock-files.ts), as an attachment of a seed message. */
export type DemoFile = {
  kind: AttachmentKind;
  name: string;
  mime: string;
  base64: string;
};

export type SeedMessage = {
  ago: number;
  direction: Direction;
  author: AuthorKind;
  authorName?: string;
  text: string;
  delivery?: Delivery;
  deliveryError?: string;
  /** Attachments the engine only knows by name (no stored file). */
  attachments?: Attachment[];
  /** Attachments with a stored file (`file:` url). */
  files?: DemoFile[];
  /** The quoted history below an e-mail reply. */
  quoted?: string;
  /** The e-mail's HTML body, as the engine keeps it after sanitizing. */
  html?: string;
  /** The outbox guard holds this reply (it is pending until released). */
  held?: boolean;
  /** The customer read this reply this long ago (channels that tell it). */
  readAgo?: number;
  /** The customer's reaction to the message. */
  reaction?: string;
};

export type SeedNote = {
  ago: number;
  author: string;
  text: string;
};

export type SeedConversation = {
  channel: ChannelKind;
  name: string;
  subject?: string;
  status: ConversationStatus;
  unread: number;
  phone?: string;
  email?: string;
  note?: string;
  identities: ContactIdentity[];
  messages: SeedMessage[];
  /** Internal notes of the team (written with /note in the work group). */
  notes?: SeedNote[];
  /** The marketplace listing the conversation is about. */
  listing?: Listing;
};

/** A contact known without a conversation of its own yet. */
export type SeedContact = {
  name: string;
  phone?: string;
  email?: string;
  identities: ContactIdentity[];
};

export function seedData(locale: "ru" | "en"): SeedConversation[] {
  const ru = locale === "ru";
  return [
    {
      channel: "avito",
      name: ru ? "Мария Соколова" : "Maria Sokolova",
      subject: ru ? "Диван угловой «Осло»" : "Corner sofa “Oslo”",
      status: "awaiting_response",
      unread: 2,
      phone: "+7 912 345-67-89",
      identities: [{ kind: "avito_user", value: "248 113 907" }],
      listing: {
        title: ru ? "Диван угловой «Осло», велюр, 250 см" : "Corner sofa “Oslo”, velour, 250 cm",
        price: "34 990 ₽",
        url: "https://www.avito.ru/moskva/mebel_i_interer/divan_uglovoy_oslo_3412907751",
        imageUrl: DEMO_SOFA,
      },
      messages: [
        {
          ago: 26 * MINUTE,
          direction: "in",
          author: "customer",
          text: ru
            ? "Здравствуйте! Диван ещё продаётся?"
            : "Hello! Is the sofa still for sale?",
        },
        {
          ago: 4 * MINUTE,
          direction: "in",
          author: "customer",
          text: ru
            ? "Можно посмотреть сегодня вечером, часов в семь?"
            : "Could I come and see it tonight, around seven?",
        },
      ],
    },
    {
      channel: "whatsapp",
      name: ru ? "Елена Крылова" : "Elena Krylova",
      status: "needs_human",
      unread: 1,
      phone: "+7 926 100-20-30",
      identities: [{ kind: "whatsapp", value: "+7 926 100-20-30" }],
      messages: [
        {
          ago: 58 * MINUTE,
          direction: "in",
          author: "customer",
          text: ru
            ? "Пришёл заказ, но одна чашка разбита 😔 Фото прикладываю."
            : "My order arrived, but one cup is broken 😔 Photo attached.",
          attachments: [
            { kind: "image", name: "IMG_2041.jpg", mime: "image/jpeg", url: null, size: 1_834_112 },
          ],
        },
        {
          ago: 57 * MINUTE,
          direction: "out",
          author: "auto_reply",
          text: ru
            ? "Спасибо за сообщение! Менеджер ответит в течение часа."
            : "Thank you for your message! A manager will reply within an hour.",
          delivery: "delivered",
          readAgo: 56 * MINUTE,
          reaction: "🙏",
        },
        {
          ago: 41 * MINUTE,
          direction: "in",
          author: "customer",
          text: ru ? "Можно заменить или вернуть деньги?" : "Can you replace it or refund me?",
        },
      ],
      notes: [
        {
          ago: 35 * MINUTE,
          author: ru ? "Ольга" : "Olga",
          text: ru
            ? "Заказ №1907, упаковка целая. Предложить замену чашки, отправим завтра."
            : "Order #1907, the box was intact. Offer a replacement cup, we ship tomorrow.",
        },
      ],
    },
    {
      channel: "telegram_bot",
      name: ru ? "Игорь Петров" : "Igor Petrov",
      status: "answered_by_assistant",
      unread: 0,
      identities: [
        { kind: "telegram_user", value: "501 772 318" },
        { kind: "telegram_username", value: "@igor_petrov" },
      ],
      messages: [
        {
          ago: 2 * HOUR + 5 * MINUTE,
          direction: "in",
          author: "customer",
          text: ru ? "Сколько стоит доставка в Казань?" : "How much is delivery to Kazan?",
        },
        {
          ago: 2 * HOUR + 4 * MINUTE,
          direction: "out",
          author: "assistant",
          text: ru
            ? "Доставка в Казань — 890 ₽, 3–5 рабочих дней. Оформить заказ?"
            : "Delivery to Kazan is 890 ₽ and takes 3–5 working days. Shall I place the order?",
          delivery: "delivered",
        },
      ],
    },
    {
      channel: "email",
      name: ru ? "ООО «Вектор»" : "Vector LLC",
      subject: ru ? "Счёт на оплату, заказ №1842" : "Invoice for order #1842",
      status: "awaiting_response",
      unread: 0,
      email: "buh@vector.example",
      note: ru ? "Оптовый клиент, оплата по счёту" : "Wholesale customer, pays by invoice",
      identities: [{ kind: "email", value: "buh@vector.example" }],
      messages: [
        {
          ago: DAY + 3 * HOUR,
          direction: "in",
          author: "customer",
          text: ru
            ? "Добрый день! Пришлите, пожалуйста, счёт на оплату по заказу №1842. Реквизиты и скриншот заказа во вложении."
            : "Good afternoon! Please send the invoice for order #1842. Our company details and a screenshot of the order are attached.",
          quoted: ru
            ? "Пн, 10 мар. 2025 г. в 14:02, Магазин Tuberry <shop@tuberry.example> написал(а):\n> Здравствуйте!\n> Ваш заказ №1842 подтверждён: 12 стульев «Норд», 2 стола «Осло».\n> Счёт на оплату пришлём по запросу.\n>\n> С уважением,\n> Ольга, магазин Tuberry"
            : "On Mon, 10 Mar 2025 at 14:02, Tuberry shop <shop@tuberry.example> wrote:\n> Hello!\n> Your order #1842 is confirmed: 12 “Nord” chairs, 2 “Oslo” tables.\n> We will send the invoice on request.\n>\n> Best regards,\n> Olga, Tuberry shop",
          html: demoEmailHtml(ru),
          files: [
            { kind: "image", name: ru ? "заказ-1842.png" : "order-1842.png", mime: "image/png", base64: DEMO_PNG },
            { kind: "file", name: ru ? "реквизиты.pdf" : "company-details.pdf", mime: "application/pdf", base64: DEMO_PDF },
          ],
        },
        {
          ago: DAY + 2 * HOUR,
          direction: "out",
          author: "manager",
          authorName: ru ? "Ольга" : "Olga",
          text: ru ? "Счёт во вложении. Спасибо за заказ!" : "The invoice is attached. Thank you for your order!",
          delivery: "failed",
          deliveryError: ru ? "Почтовый ящик недоступен (550)" : "Mailbox unavailable (550)",
          attachments: [
            { kind: "file", name: "invoice-1842.pdf", mime: "application/pdf", url: null, size: 84_211 },
          ],
        },
      ],
    },
    {
      channel: "avito",
      name: ru ? "Сергей К." : "Sergey K.",
      subject: ru ? "Велосипед Stels Navigator" : "Stels Navigator bicycle",
      status: "answered_by_assistant",
      unread: 0,
      identities: [{ kind: "avito_user", value: "301 554 020" }],
      messages: [
        {
          ago: 2 * DAY + 5 * HOUR,
          direction: "in",
          author: "customer",
          text: ru ? "Торг уместен?" : "Is the price negotiable?",
        },
        {
          ago: 2 * DAY + 5 * HOUR - 2 * MINUTE,
          direction: "out",
          author: "assistant",
          text: ru
            ? "Цена окончательная, но при покупке сегодня добавим замок в подарок."
            : "The price is final, but if you buy today we'll add a lock for free.",
          delivery: "pending",
          held: true,
        },
      ],
    },
    {
      channel: "telegram_account",
      name: ru ? "Дмитрий Орлов" : "Dmitry Orlov",
      status: "closed",
      unread: 0,
      phone: "+7 903 555-01-02",
      identities: [
        { kind: "telegram_username", value: "@d_orlov" },
        { kind: "phone", value: "+7 903 555-01-02" },
      ],
      messages: [
        {
          ago: 5 * DAY,
          direction: "in",
          author: "customer",
          text: ru ? "Спасибо, всё получил, всё отлично!" : "Thanks, got everything, all great!",
        },
        {
          ago: 5 * DAY - 10 * MINUTE,
          direction: "out",
          author: "manager",
          authorName: ru ? "Ольга" : "Olga",
          text: ru ? "Рады помочь! Заходите ещё 🙂" : "Glad to help! Come back any time 🙂",
          delivery: "delivered",
        },
      ],
    },
  ];
}

/** The Avito buyer's other contact: she wrote to the shop's Telegram once, under another name. */
export function seedContacts(locale: "ru" | "en"): SeedContact[] {
  const ru = locale === "ru";
  return [
    {
      name: ru ? "Мария С." : "Maria S.",
      email: "m.sokolova@example.ru",
      identities: [{ kind: "telegram_username", value: "@maria_sok" }],
    },
  ];
}

/** The demo listing's photo: a sofa on a light background (SVG). */
const DEMO_SOFA = `data:image/svg+xml,${encodeURIComponent(
  [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96">',
    '<rect width="96" height="96" fill="#e9eef3"/>',
    '<rect y="70" width="96" height="26" fill="#d5dde6"/>',
    '<rect x="14" y="34" width="68" height="24" rx="6" fill="#6b7f99"/>',
    '<rect x="8" y="44" width="14" height="24" rx="5" fill="#5a6d86"/>',
    '<rect x="74" y="44" width="14" height="24" rx="5" fill="#5a6d86"/>',
    '<rect x="20" y="52" width="56" height="14" rx="4" fill="#7d92ad"/>',
    '<rect x="14" y="68" width="4" height="6" fill="#3d4a5c"/>',
    '<rect x="78" y="68" width="4" height="6" fill="#3d4a5c"/>',
    "</svg>",
  ].join(""),
)}`;

/** A 96×64 picture of an order card (PNG). */
export const DEMO_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAGAAAABACAIAAABqVuVZAAAAlklEQVR42u3XQQ2AMBBFwcrADT7ASAXgAyc9cEJTwwEHDSEQWJjkKZjL/k1LN6pRQgAIECBAgAABAiRAgAABeh1QrZsaAQIECBCgiEA5T0EDBAjQF4AECBAgQIDiApWy/iRAgB4BEiBAgADZQTfcHUCAQgAJECBAgACdqp+HywMECBAgQIAAAQIECBAgQJ5VQIAACdCBdgFCteHXBQUCAAAAAElFTkSuQmCC";

/** A one-page PDF with a company's details. */
export const DEMO_PDF =
  "JVBERi0xLjQKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyAvUGFnZXMgMiAwIFIgPj4KZW5kb2JqCjIgMCBvYmoKPDwgL1R5cGUgL1BhZ2VzIC9LaWRzIFszIDAgUl0gL0NvdW50IDEgPj4KZW5kb2JqCjMgMCBvYmoKPDwgL1R5cGUgL1BhZ2UgL1BhcmVudCAyIDAgUiAvTWVkaWFCb3ggWzAgMCAzMDAgMTcwXSAvQ29udGVudHMgNCAwIFIgL1Jlc291cmNlcyA8PCAvRm9udCA8PCAvRjEgNSAwIFIgPj4gPj4gPj4KZW5kb2JqCjQgMCBvYmoKPDwgL0xlbmd0aCAxMTMgPj4Kc3RyZWFtCkJUIC9GMSAxNCBUZiA0MCAxMjAgVGQgKFZlY3RvciBMTEMgLSBjb21wYW55IGRldGFpbHMpIFRqIDAgLTI0IFRkIC9GMSAxMSBUZiAoSU5OIDc3MDEyMzQ1NjcgIEtQUCA3NzAxMDEwMDEpIFRqIEVUCmVuZHN0cmVhbQplbmRvYmoKNSAwIG9iago8PCAvVHlwZSAvRm9udCAvU3VidHlwZSAvVHlwZTEgL0Jhc2VGb250IC9IZWx2ZXRpY2EgPj4KZW5kb2JqCnhyZWYKMCA2CjAwMDAwMDAwMDAgNjU1MzUgZiAKMDAwMDAwMDAwOSAwMDAwMCBuIAowMDAwMDAwMDU4IDAwMDAwIG4gCjAwMDAwMDAxMTUgMDAwMDAgbiAKMDAwMDAwMDI0MSAwMDAwMCBuIAowMDAwMDAwNDA1IDAwMDAwIG4gCnRyYWlsZXIKPDwgL1NpemUgNiAvUm9vdCAxIDAgUiA+PgpzdGFydHhyZWYKNDc1CiUlRU9GCg==";

/** The HTML body of the demo e-mail, already sanitized as the engine would keep it. */
function demoEmailHtml(ru: boolean): string {
  const rows = ru
    ? [
        ["Стул «Норд»", "12", "4 990 ₽"],
        ["Стол «Осло»", "2", "18 500 ₽"],
      ]
    : [
        ["“Nord” chair", "12", "4,990 ₽"],
        ["“Oslo” table", "2", "18,500 ₽"],
      ];
  const head = ru ? ["Товар", "Кол-во", "Цена"] : ["Item", "Qty", "Price"];
  const cell = 'style="padding:4px 10px;border-bottom:1px solid #e4e4e9"';
  return [
    `<div style="font-family:Arial,sans-serif;font-size:14px;color:#1c1c22">`,
    `<p>${ru ? "Добрый день!" : "Good afternoon!"}</p>`,
    `<p>${
      ru
        ? "Пришлите, пожалуйста, <b>счёт на оплату</b> по заказу №1842."
        : "Please send the <b>invoice</b> for order #1842."
    }</p>`,
    `<table style="border-collapse:collapse;margin:8px 0">`,
    `<tr>${head.map((h) => `<th align="left" ${cell}>${h}</th>`).join("")}</tr>`,
    ...rows.map((r) => `<tr>${r.map((c) => `<td ${cell}>${c}</td>`).join("")}</tr>`),
    `</table>`,
    `<p>${ru ? "Реквизиты и скриншот заказа во вложении." : "Our company details and a screenshot of the order are attached."}</p>`,
    `<p style="color:#585864">--<br>${ru ? "Бухгалтерия ООО «Вектор»" : "Accounts, Vector LLC"}<br>`,
    `<a href="https://vector.example">vector.example</a></p>`,
    `</div>`,
  ].join("\n");
}

/**
 * The price list every upload becomes in the demo (it reads no file): its
 * columns, and each row's cells with the text the assistant reads.
 */
export function demoCatalogue(locale: "ru" | "en"): { columns: string[]; rows: { cells: string[]; text: string }[] } {
  return locale === "ru"
    ? {
        columns: ["Товар", "Цена", "Наличие"],
        rows: [
          {
            cells: ["Диван угловой «Осло», велюр", "34 990 ₽", "В наличии"],
            text: "Товар: Диван угловой «Осло», велюр; Цена: 34 990 ₽; Наличие: В наличии",
          },
          {
            cells: ["Кресло «Норд»", "12 490 ₽", "В наличии"],
            text: "Товар: Кресло «Норд»; Цена: 12 490 ₽; Наличие: В наличии",
          },
          {
            cells: ["Стол обеденный «Осло», дуб", "21 900 ₽", "Под заказ"],
            text: "Товар: Стол обеденный «Осло», дуб; Цена: 21 900 ₽; Наличие: Под заказ",
          },
        ],
      }
    : {
        columns: ["Product", "Price", "Availability"],
        rows: [
          {
            cells: ["Corner sofa Oslo, velour", "34 990 ₽", "In stock"],
            text: "Product: Corner sofa Oslo, velour; Price: 34 990 ₽; Availability: In stock",
          },
          {
            cells: ["Armchair Nord", "12 490 ₽", "In stock"],
            text: "Product: Armchair Nord; Price: 12 490 ₽; Availability: In stock",
          },
          {
            cells: ["Dining table Oslo", "21 900 ₽", "To order"],
            text: "Product: Dining table Oslo; Price: 21 900 ₽; Availability: To order",
          },
        ],
      };
}

/** The work group a connected demo bot finds (see the mock's `workGroupAfterMs`). */
export function demoWorkGroupTitle(locale: "ru" | "en"): string {
  return locale === "ru" ? "Магазин · операторы" : "Shop · operators";
}

export const BULK_FIRST = ["Анна", "Олег", "Ирина", "Павел", "Светлана", "Артём", "Ксения", "Николай", "Юлия", "Роман"];
export const BULK_LAST = ["Смирнова", "Иванов", "Кузнецова", "Попов", "Васильева", "Новиков", "Морозова", "Волков"];
export const BULK_TEXT = [
  "Здравствуйте, товар в наличии?",
  "Когда будет доставка?",
  "Спасибо, получил!",
  "Можно забрать самовывозом?",
  "Пришлите, пожалуйста, фото с другого ракурса",
];
