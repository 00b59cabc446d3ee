import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type AssistantRun, type ChannelKind, type SimulatorEntry } from "../api";
import { useDebounced, useEngineEvents } from "../hooks";
import { formatClock } from "../format";
import { errorText } from "../errors";
import { useAssistantRuns } from "../useAssistant";
import { ChatIcon, CrossIcon, SendIcon } from "./Icon";
import { RunNote, RunRows, TestChatSetup } from "./TestChatSetup";

type Props = {
  onClose: () => void;
  onShowConversation: (conversationId: number) => void;
};

function mergeEntries(a: SimulatorEntry[], b: SimulatorEntry[]): SimulatorEntry[] {
  const byId = new Map<number, SimulatorEntry>();
  for (const e of a) byId.set(e.id, e);
  for (const e of b) byId.set(e.id, e);
  return [...byId.values()].sort((x, y) => x.createdAt - y.createdAt || x.id - y.id);
}

/**
 * Plays the customer: writes into the inbox through the simulator channel,
 * as if on a channel of choice, to the assistant of the project it speaks for.
 */
export function TestChatPanel({ onClose, onShowConversation }: Props) {
  const { t, i18n } = useTranslation();
  const defaultName = t("testChat.defaultCustomer");
  const [customer, setCustomer] = useState(defaultName);
  const [text, setText] = useState("");
  const [entries, setEntries] = useState<SimulatorEntry[]>([]);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [lastConversation, setLastConversation] = useState<number | null>(null);
  const [channel, setChannel] = useState<ChannelKind | null>(null);
  // The conversation of the customer shown, to find what the assistant did in it.
  const [conversation, setConversation] = useState<{ customer: string; id: number } | null>(null);
  const name = useDebounced(customer.trim(), 300);
  const nameRef = useRef(name);
  nameRef.current = name;
  const conversationId = conversation?.customer === name ? conversation.id : null;
  const runs = useAssistantRuns(conversationId);

  // Follow the language while the default name is untouched.
  const previousDefault = useRef(defaultName);
  useEffect(() => {
    setCustomer((current) => (current === previousDefault.current ? defaultName : current));
    previousDefault.current = defaultName;
  }, [defaultName]);

  const [reloads, setReloads] = useState(0);
  useEffect(() => {
    if (!name) {
      setEntries([]);
      return;
    }
    let active = true;
    setEntries((current) => current.filter((e) => e.customer === name));
    api
      .simulatorTranscript(name)
      .then((list) => {
        if (active) setEntries((current) => mergeEntries(list, current.filter((e) => e.customer === name)));
      })
      .catch((reason: unknown) => {
        if (active) setError(errorText(reason, t));
      });
    return () => {
      active = false;
    };
    // The transcript depends on the name only.
  }, [name]);

  // A transcript from before: find its conversation (the engine keys it by the customer's name).
  const hasEntries = entries.length > 0;
  useEffect(() => {
    if (!name || !hasEntries || conversationId != null) return;
    let active = true;
    api
      .listConversations({ channel: "simulator", search: name, offset: 0, limit: 50 })
      .then((page) => {
        const found = page.items.find((c) => c.contactName === name);
        if (active && found) setConversation({ customer: name, id: found.id });
      })
      .catch(() => undefined);
    return () => {
      active = false;
    };
  }, [name, hasEntries, conversationId]);

  useEngineEvents((event) => {
    if (event.type === "resync") setReloads((n) => n + 1);
    if (event.type !== "simulator_entry" || event.entry.customer !== nameRef.current) return;
    setEntries((current) => mergeEntries(current, [event.entry]));
  });

  const scrollRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [entries.length]);

  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  const send = async () => {
    const who = customer.trim();
    const body = text.trim();
    if (!body || sending) return;
    if (!who) {
      setError(t("testChat.nameRequired"));
      return;
    }
    setSending(true);
    setError(null);
    try {
      const outcome = await api.testChatWrite({ customer: who, text: body, channel });
      setText("");
      setLastConversation(outcome.conversationId);
      setConversation({ customer: who, id: outcome.conversationId });
    } catch (reason) {
      setError(errorText(reason, t));
    } finally {
      setSending(false);
      inputRef.current?.focus();
    }
  };

  const reset = async () => {
    const who = customer.trim();
    if (!who) return;
    // Forgets the customer's transcript and conversation.
    await api.resetTestChat(who);
    setEntries([]);
    setConversation(null);
    setLastConversation(null);
  };

  const answerOf = (entry: SimulatorEntry): AssistantRun | undefined =>
    entry.messageId == null ? undefined : runs.find((r) => r.messageId === entry.messageId);
  const notesOf = (entry: SimulatorEntry): AssistantRun[] =>
    entry.direction === "in" && entry.messageId != null
      ? runs.filter(
          (r) => r.triggerMessageId === entry.messageId && (r.outcome === "handoff" || r.outcome === "failed"),
        )
      : [];

  const shownName = customer.trim() || defaultName;

  return (
    <aside className="side-pane test-chat" data-testid="test-chat-panel" aria-label={t("testChat.title")}>
      <header className="test-chat-head">
        <div className="test-chat-title">
          <ChatIcon size={16} />
          <h2>{t("testChat.title")}</h2>
        </div>
        <button
          type="button"
          className="icon-button"
          onClick={onClose}
          aria-label={t("testChat.close")}
          title={t("testChat.close")}
        >
          <CrossIcon size={14} />
        </button>
      </header>
      <p className="test-chat-description">{t("testChat.description")}</p>
      <TestChatSetup channel={channel} onChannel={setChannel} onReset={reset} canReset={customer.trim() !== ""} />

      <label className="field">
        <span className="field-label">{t("testChat.customer")}</span>
        <input
          type="text"
          data-testid="test-chat-customer"
          value={customer}
          onChange={(e) => setCustomer(e.target.value)}
          maxLength={80}
          spellCheck={false}
        />
      </label>

      <div className="test-chat-transcript" ref={scrollRef} role="log" aria-live="polite">
        {entries.length === 0 ? (
          <p className="test-chat-empty">{t("testChat.empty", { name: shownName })}</p>
        ) : (
          entries.map((entry) => {
            const answer = answerOf(entry);
            const side =
              entry.direction === "in"
                ? t("testChat.customerSide")
                : answer
                  ? t("author.assistant")
                  : t("testChat.shopSide");
            return (
              <div
                key={entry.id}
                className={`sim-entry sim-entry--${entry.direction}${answer ? " sim-entry--assistant" : ""}`}
                data-testid="test-chat-entry"
                data-direction={entry.direction}
                data-message-id={entry.messageId ?? undefined}
              >
                <div className="sim-bubble">
                  <div className="sim-text">{entry.text}</div>
                  <div className="sim-meta">
                    {side} · {formatClock(entry.createdAt, i18n.language)}
                  </div>
                </div>
                {answer && <RunRows run={answer} />}
                {notesOf(entry).map((run) => (
                  <RunNote key={run.id} run={run} />
                ))}
              </div>
            );
          })
        )}
      </div>

      {lastConversation != null && (
        <button type="button" className="link-button test-chat-show" onClick={() => onShowConversation(lastConversation)}>
          {t("testChat.showInInbox")} →
        </button>
      )}
      {error && (
        <div className="inline-error" role="alert">
          {error}
        </div>
      )}
      <form
        className="test-chat-form"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <input
          ref={inputRef}
          type="text"
          data-testid="test-chat-input"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={t("testChat.placeholder")}
          aria-label={t("testChat.placeholder")}
        />
        <button
          type="submit"
          className="button button--primary"
          data-testid="test-chat-send"
          disabled={!text.trim() || sending}
        >
          <SendIcon size={15} />
          {t("testChat.send")}
        </button>
      </form>
    </aside>
  );
}
