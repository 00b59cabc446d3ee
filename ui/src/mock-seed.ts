// Demo conversations for the in-memory engine (see mock.ts).
import type {
  Attachment,
  AuthorKind,
  ChannelKind,
  ContactIdentity,
  ConversationStatus,
  Delivery,
  Direction,
} from "./api";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export type SeedMessage = {
  ago: number;
  direction: Direction;
  author: AuthorKind;
  authorName?: string;
  text: string;
  delivery?: Delivery;
  deliveryError?: string;
  attachments?: Attachment[];
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
            ? "Добрый день! Пришлите, пожалуйста, счёт на оплату по заказу №1842."
            : "Good afternoon! Please send the invoice for order #1842.",
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
          delivery: "sent",
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
