import { describe, expect, it } from "vitest";
import en from "../i18n/en.json";
import ru from "../i18n/ru.json";
import {
  ACCOUNT_STATES,
  API_SCOPES,
  ASSISTANT_MODES,
  AUTO_REPLY_MODES,
  AVITO_PROBLEMS,
  AVITO_STATES,
  BOT_STATES,
  CATALOGUE_PROBLEMS,
  FIXES,
  GUARD_MODES,
  GUARDRAIL_KINDS,
  IMPORT_STAGES,
  LLM_PROBLEMS,
  LLM_PROVIDERS,
  MAIL_PROBLEMS,
  MAIL_SECURITIES,
  MAILBOX_STATES,
  RESTORE_STAGES,
  WEBHOOK_EVENTS,
  WEEKDAYS,
  WHITELIST_KINDS,
  WORK_GROUP_PROBLEMS,
} from "../api";
import { PLACEHOLDERS } from "../assistant";
import { webhookEventKey } from "../components/WebhooksSection";
import { SEND_PRESETS } from "../sendLater";

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/{{\s*(\w+)\s*}}/g)].map((m) => m[1]).sort();

describe("locales", () => {
  const enKeys = flatten(en as Tree);
  const ruKeys = flatten(ru as Tree);

  it("have exactly the same keys in Russian and English", () => {
    expect([...ruKeys.keys()].sort()).toEqual([...enKeys.keys()].sort());
  });

  it("have no empty strings", () => {
    for (const [key, value] of [...enKeys, ...ruKeys]) expect(value.trim(), key).not.toBe("");
  });

  it("use the same placeholders in both languages", () => {
    for (const [key, value] of enKeys) {
      expect(placeholders(ruKeys.get(key) ?? ""), key).toEqual(placeholders(value));
    }
  });

  it("claim on the first screen only the channels that exist (no WhatsApp, no personal Telegram accounts)", () => {
    const firstScreen = ["app.tagline", "thread.welcomeTitle", "thread.welcomeText", "empty.noConversations"];
    for (const keys of [enKeys, ruKeys]) {
      for (const key of firstScreen) {
        const text = keys.get(key) ?? "";
        expect(text, key).not.toMatch(/whatsapp|ватсап|вотсап/i);
        // Telegram appears only as its bots.
        expect(text.replace(/Telegram[- ](bots?|бот\p{L}*)/giu, ""), key).not.toMatch(/telegram/i);
      }
    }
    expect(enKeys.get("thread.welcomeText")).toMatch(/Avito.*Telegram bots.*e-mail/);
    expect(ruKeys.get("thread.welcomeText")).toMatch(/Авито.*почты.*Telegram-ботов/);
  });

  it("name every status, channel, author, delivery, identity, bot state, work group problem, mailbox state, mail problem, Avito state and problem, account state, assistant setting and problem, and error code", () => {
    const groups: Record<string, string[]> = {
      status: ["all", "awaiting_response", "answered_by_assistant", "needs_human", "closed"],
      statusLong: ["awaiting_response", "answered_by_assistant", "needs_human", "closed"],
      channel: ["simulator", "telegram_bot", "telegram_account", "avito", "whatsapp", "email"],
      channelShort: ["simulator", "telegram_bot", "telegram_account", "avito", "whatsapp", "email"],
      author: ["customer", "manager", "operator", "assistant", "auto_reply"],
      delivery: ["pending", "sent", "delivered", "failed"],
      identity: ["simulator", "telegram_user", "telegram_username", "avito_user", "email", "phone", "whatsapp"],
      errors: ["not_found", "invalid_input", "conflict", "unavailable", "internal", "unknown"],
      "bot.state": [...BOT_STATES],
      "bot.stateText": [...BOT_STATES],
      "workGroup.problem": [...WORK_GROUP_PROBLEMS],
      "health.fix": [...FIXES],
      "health.guardrails.kind": [...GUARDRAIL_KINDS],
      "health.guardrails.fix": [...GUARDRAIL_KINDS],
      readiness: ["ready", "no_bot", "connecting", "bot_issue", "no_group", "group_issue"],
      "mailbox.state": [...MAILBOX_STATES],
      "mailbox.stateText": [...MAILBOX_STATES],
      "mail.problem": [...MAIL_PROBLEMS],
      "mail.hint": [...MAIL_PROBLEMS],
      "mailboxForm.securityOption": [...MAIL_SECURITIES],
      "avito.state": [...AVITO_STATES],
      "avito.stateText": [...AVITO_STATES],
      "avito.problem": [...AVITO_PROBLEMS],
      "avito.hint": [...AVITO_PROBLEMS],
      "accounts.state": [...ACCOUNT_STATES],
      "accounts.stateHint": [...ACCOUNT_STATES],
      statusHint: ["awaiting_response", "answered_by_assistant", "needs_human", "closed"],
      "assistant.mode": [...ASSISTANT_MODES],
      "assistant.modeText": [...ASSISTANT_MODES],
      "autoReply.mode": [...AUTO_REPLY_MODES],
      "weekday.short": [...WEEKDAYS],
      "weekday.long": [...WEEKDAYS],
      "persona.placeholder": [...PLACEHOLDERS],
      "llm.problem": [...LLM_PROBLEMS],
      "llm.providerOption": [...LLM_PROVIDERS],
      "catalogue.problem": [...CATALOGUE_PROBLEMS],
      "catalogue.stage": [...IMPORT_STAGES],
      "backups.restoreStage": [...RESTORE_STAGES],
      "apiTokens.scope": [...API_SCOPES],
      "apiTokens.scopeHint": [...API_SCOPES],
      "webhooks.event": WEBHOOK_EVENTS.map(webhookEventKey),
      "guard.mode": [...GUARD_MODES],
      "guard.modeText": [...GUARD_MODES],
      "guard.kind": [...WHITELIST_KINDS],
      "guard.placeholder": [...WHITELIST_KINDS],
      "testChat.channelOption": ["plain", "telegram_bot", "avito", "whatsapp", "email"],
      "sendLater.preset": [...SEND_PRESETS],
    };
    for (const [group, names] of Object.entries(groups)) {
      for (const name of names) expect(enKeys.has(`${group}.${name}`), `${group}.${name}`).toBe(true);
    }
  });
});
