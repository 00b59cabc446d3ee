import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, ApiFailure, setBackend, WEBHOOK_EVENTS, type ApiError, type Result, type WebhookCreated } from "../api";
import { createMockBackend, type MockBackend, type MockOptions } from "../mock";
import App from "../App";

function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, ...options });
  setBackend(backend);
  return backend;
}

type User = ReturnType<typeof userEvent.setup>;

async function openWebhooks(user: User) {
  const view = render(<App />);
  await user.click(screen.getByTestId("nav-settings"));
  const section = await screen.findByTestId("settings-webhooks");
  await waitFor(() => expect(within(section).queryByText(i18n.t("accounts.loading"))).not.toBeInTheDocument());
  return { section, view };
}

const rows = (section: HTMLElement) => within(section).getAllByTestId("webhook");
const eventsOf = (row: HTMLElement) =>
  [...within(row).getByTestId("webhook-events").children].map((pill) => pill.textContent);
const checkbox = (section: HTMLElement, event: string) =>
  within(section).getByTestId(`webhooks-event-${event}`) as HTMLInputElement;

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("Settings → Webhooks", () => {
  it("comes right after the API tokens and lists the subscriptions with their events in words", async () => {
    useMock();
    const user = userEvent.setup();
    const { section } = await openWebhooks(user);
    expect(screen.getByTestId("settings-api-tokens").nextElementSibling).toBe(section);
    expect(within(section).getByRole("heading", { name: "Webhooks" })).toBeInTheDocument();
    expect(section).toHaveTextContent("signed POST requests");
    expect(section).toHaveTextContent('X-Tuberry-Signature header (t=…,v1=HMAC-SHA256 of "t.body")');

    const [crm, oneC] = rows(section);
    expect(rows(section)).toHaveLength(2);
    expect(within(crm).getByTestId("webhook-url")).toHaveTextContent("https://crm.example.com/hooks/tuberry");
    expect(eventsOf(crm)).toEqual(["Customer message received", "Conversation status changed"]);
    expect(within(crm).getByTestId("webhook-created")).toHaveTextContent(/^Added .+\d/);
    expect(within(oneC).getByTestId("webhook-url")).toHaveTextContent("http://192.168.1.30:8080/1c/tuberry");
    expect(eventsOf(oneC)).toEqual(["Reply sent", "Reply failed"]);
    expect(within(section).getAllByTestId("webhook-remove")).toHaveLength(2);
    expect(within(crm).getByTestId("webhook-remove")).toHaveTextContent("Remove…");
  });

  it("says there is none yet, checks two events by default, and keeps Add disabled until a URL and an event", async () => {
    useMock({ seed: false });
    const user = userEvent.setup();
    const { section } = await openWebhooks(user);
    expect(within(section).getByTestId("webhooks-empty")).toHaveTextContent("No subscription yet");
    expect(within(section).queryByTestId("webhook")).not.toBeInTheDocument();

    expect(WEBHOOK_EVENTS.filter((event) => checkbox(section, event).checked)).toEqual([
      "message.received",
      "conversation.status_changed",
    ]);
    expect(within(section).getByTestId("webhooks-form")).toHaveTextContent(
      /Customer message received.*Reply sent.*Reply delivered.*Reply failed.*Conversation status changed/,
    );

    const add = within(section).getByTestId("webhooks-create");
    const url = within(section).getByTestId("webhooks-url");
    expect(add).toHaveTextContent("Add");
    expect(add).toBeDisabled();
    await user.type(url, "   ");
    expect(add).toBeDisabled();
    await user.type(url, "https://crm.example.com/hook");
    expect(add).toBeEnabled();
    await user.click(checkbox(section, "message.received"));
    expect(add).toBeEnabled();
    await user.click(checkbox(section, "conversation.status_changed"));
    expect(add).toBeDisabled();
    await user.click(checkbox(section, "message.delivered"));
    expect(add).toBeEnabled();
    await user.clear(url);
    expect(add).toBeDisabled();
  });

  it("adds a subscription with the chosen events, shows its secret once, and forgets it on Done and on a reload", async () => {
    const backend = useMock({ seed: false });
    const createWebhook = vi.spyOn(backend.commands, "createWebhook");
    const user = userEvent.setup();
    const { section, view } = await openWebhooks(user);

    await user.type(within(section).getByTestId("webhooks-url"), "  https://crm.example.com/hook  ");
    await user.click(checkbox(section, "conversation.status_changed"));
    await user.click(checkbox(section, "message.failed"));
    await user.click(checkbox(section, "message.sent"));
    await user.click(within(section).getByTestId("webhooks-create"));
    const panel = await within(section).findByTestId("webhooks-created");

    expect(createWebhook).toHaveBeenCalledTimes(1);
    expect(createWebhook).toHaveBeenCalledWith("https://crm.example.com/hook", [
      "message.received",
      "message.sent",
      "message.failed",
    ]);
    const answer = (await createWebhook.mock.results[0].value) as Result<WebhookCreated, ApiError>;
    if (answer.status !== "ok") throw new Error("the webhook was not created");
    const { secret } = answer.data;
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);

    const field = within(panel).getByTestId("webhooks-secret");
    expect(field).toHaveValue(secret);
    expect(field).toHaveAttribute("readonly");
    expect(panel).toHaveTextContent("https://crm.example.com/hook subscribed");
    expect(within(panel).getByTestId("webhooks-warning")).toHaveTextContent("Tuberry cannot show it again.");
    expect(within(panel).getByTestId("webhooks-verify")).toHaveTextContent("X-Tuberry-Signature");
    expect(within(panel).getByTestId("webhooks-verify-example")).toHaveTextContent(
      'crypto.createHmac("sha256", secret).update(`${t}.${body}`).digest("hex") === v1',
    );
    // The form is back only after Done.
    expect(within(section).queryByTestId("webhooks-form")).not.toBeInTheDocument();

    // Listed at once, without its secret.
    const [row] = rows(section);
    expect(within(row).getByTestId("webhook-url")).toHaveTextContent("https://crm.example.com/hook");
    expect(eventsOf(row)).toEqual(["Customer message received", "Reply sent", "Reply failed"]);
    expect(row).toHaveClass("is-new");
    expect(row.textContent).not.toContain(secret);

    await user.click(within(panel).getByTestId("webhooks-copy"));
    expect(await within(panel).findByTestId("webhooks-copied")).toHaveTextContent("Copied");
    expect(await navigator.clipboard.readText()).toBe(secret);

    await user.click(within(panel).getByTestId("webhooks-done"));
    expect(within(section).queryByTestId("webhooks-created")).not.toBeInTheDocument();
    expect(screen.queryByDisplayValue(secret)).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(secret.slice(6));
    for (let i = 0; i < localStorage.length; i++) {
      expect(localStorage.getItem(localStorage.key(i) ?? "")).not.toContain(secret.slice(6));
    }
    // A fresh form with the default events, and the subscription stays listed.
    expect(within(section).getByTestId("webhooks-url")).toHaveValue("");
    expect(within(section).getByTestId("webhooks-create")).toBeDisabled();
    expect(WEBHOOK_EVENTS.filter((event) => checkbox(section, event).checked)).toEqual([
      "message.received",
      "conversation.status_changed",
    ]);
    expect(rows(section)).toHaveLength(1);

    // Opened again, the list comes from the engine: the secret is nowhere.
    view.unmount();
    const again = await openWebhooks(user);
    expect(rows(again.section)).toHaveLength(1);
    expect(within(rows(again.section)[0]).getByTestId("webhook-url")).toHaveTextContent("https://crm.example.com/hook");
    expect(within(again.section).queryByTestId("webhooks-created")).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(secret.slice(6));
    expect(JSON.stringify(await api.listWebhooks())).not.toContain(secret.slice(6));
  });

  it("shows the engine's refusal of a subscription, keeping what was typed", async () => {
    const backend = useMock();
    const createWebhook = vi.spyOn(backend.commands, "createWebhook");
    const user = userEvent.setup();
    const { section } = await openWebhooks(user);
    const url = within(section).getByTestId("webhooks-url");

    await user.type(url, "crm.example.com/hook");
    await user.click(within(section).getByTestId("webhooks-create"));
    expect(await within(section).findByTestId("webhooks-create-error")).toHaveTextContent(
      "“crm.example.com/hook” is not a URL (http://… or https://…)",
    );
    expect(within(section).queryByTestId("webhooks-created")).not.toBeInTheDocument();
    expect(url).toHaveValue("crm.example.com/hook");
    expect(rows(section)).toHaveLength(2);

    await user.clear(url);
    await user.type(url, "ftp://files.example.com/in");
    await user.click(within(section).getByTestId("webhooks-create"));
    await waitFor(() =>
      expect(within(section).getByTestId("webhooks-create-error")).toHaveTextContent(
        "a webhook's URL starts with http:// or https:// and names a host",
      ),
    );

    backend.failNext("createWebhook", { code: "unavailable", message: "the system keychain is locked" });
    await user.clear(url);
    await user.type(url, "https://crm.example.com/hook");
    await user.click(within(section).getByTestId("webhooks-create"));
    await waitFor(() =>
      expect(within(section).getByTestId("webhooks-create-error")).toHaveTextContent("the system keychain is locked"),
    );
    expect(createWebhook).toHaveBeenCalledTimes(3);
    expect(rows(section)).toHaveLength(2);
    expect(within(section).queryByTestId("webhooks-created")).not.toBeInTheDocument();
  });

  it("removes a subscription after asking", async () => {
    const backend = useMock();
    const deleteWebhook = vi.spyOn(backend.commands, "deleteWebhook");
    const user = userEvent.setup();
    const { section } = await openWebhooks(user);
    const [crm, oneC] = rows(section);
    const oneCId = (await api.listWebhooks())[1].id;

    // Cancelling changes nothing.
    await user.click(within(oneC).getByTestId("webhook-remove"));
    const confirm = within(oneC).getByTestId("webhook-confirm");
    expect(confirm).toHaveTextContent("Remove the subscription of http://192.168.1.30:8080/1c/tuberry?");
    expect(confirm).toHaveTextContent("It gets no more events, and those not yet delivered to it are dropped.");
    expect(within(oneC).queryByTestId("webhook-remove")).not.toBeInTheDocument();
    await user.click(within(confirm).getByTestId("webhook-remove-cancel"));
    expect(within(oneC).queryByTestId("webhook-confirm")).not.toBeInTheDocument();
    expect(deleteWebhook).not.toHaveBeenCalled();
    expect(rows(section)).toHaveLength(2);

    // A refusal is shown and the subscription stays.
    backend.failNext("deleteWebhook", { code: "not_found", message: "webhook 2 not found" });
    await user.click(within(oneC).getByTestId("webhook-remove"));
    await user.click(within(oneC).getByTestId("webhook-remove-confirm"));
    expect(await within(section).findByTestId("webhooks-remove-error")).toHaveTextContent("webhook 2 not found");
    expect(rows(section)).toHaveLength(2);

    await user.click(within(oneC).getByTestId("webhook-remove-confirm"));
    await waitFor(() => expect(rows(section)).toHaveLength(1));
    expect(deleteWebhook).toHaveBeenCalledTimes(2);
    expect(deleteWebhook).toHaveBeenLastCalledWith(oneCId);
    expect(within(section).queryByTestId("webhooks-remove-error")).not.toBeInTheDocument();
    expect(rows(section)[0]).toBe(crm);
    expect((await api.listWebhooks()).map((w) => w.url)).toEqual(["https://crm.example.com/hooks/tuberry"]);
  });

  it("says when the subscriptions cannot be read", async () => {
    const backend = useMock();
    backend.failNext("listWebhooks", { code: "internal", message: "database is locked" });
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("nav-settings"));
    const section = await screen.findByTestId("settings-webhooks");
    expect(await within(section).findByTestId("webhooks-load-error")).toHaveTextContent(i18n.t("errors.internal"));
    expect(within(section).queryByTestId("webhooks-form")).not.toBeInTheDocument();
  });

  it("speaks Russian", async () => {
    useMock({ locale: "ru" });
    await i18n.changeLanguage("ru");
    const user = userEvent.setup();
    const { section } = await openWebhooks(user);
    expect(within(section).getByRole("heading", { name: "Вебхуки" })).toBeInTheDocument();
    expect(section).toHaveTextContent("подписанными POST-запросами");
    expect(eventsOf(rows(section)[0])).toEqual(["Получено сообщение клиента", "Изменился статус диалога"]);
    expect(eventsOf(rows(section)[1])).toEqual(["Ответ отправлен", "Ответ не доставлен"]);
    expect(within(rows(section)[0]).getByTestId("webhook-created")).toHaveTextContent(/^Добавлена /);
    expect(within(rows(section)[0]).getByTestId("webhook-remove")).toHaveTextContent("Удалить…");
    expect(within(section).getByTestId("webhooks-create")).toHaveTextContent("Добавить");
    expect(within(section).getByTestId("webhooks-form")).toHaveTextContent(
      /Какие события отправлять.*Получено сообщение клиента.*Ответ отправлен.*Ответ доставлен.*Ответ не доставлен.*Изменился статус диалога/,
    );

    await user.type(within(section).getByTestId("webhooks-url"), "https://crm.example.com/ru");
    await user.click(within(section).getByTestId("webhooks-create"));
    const panel = await within(section).findByTestId("webhooks-created");
    expect(panel).toHaveTextContent("Подписка https://crm.example.com/ru добавлена");
    expect(within(panel).getByTestId("webhooks-warning")).toHaveTextContent("больше не сможет его показать");
    expect(within(panel).getByTestId("webhooks-done")).toHaveTextContent("Готово");
  });

  it("refuses in the demo engine, as the engine does, a bad URL, no event or an unknown event", async () => {
    useMock({ seed: false });
    for (const [url, events, message] of [
      ["crm.example.com", ["message.sent"], "is not a URL"],
      ["mailto:shop@example.com", ["message.sent"], "starts with http:// or https://"],
      ["https://user:pass@crm.example.com/hook", ["message.sent"], "no user or password"],
      ["https://crm.example.com/hook", [], "at least one event"],
      ["https://crm.example.com/hook", ["message.sent", "message.read"], "unknown event “message.read”"],
    ] as const) {
      const refusal = await api.createWebhook(url, [...events]).catch((e: unknown) => e);
      expect(refusal, url).toBeInstanceOf(ApiFailure);
      expect((refusal as ApiFailure).code).toBe("invalid_input");
      expect((refusal as ApiFailure).error.message).toContain(message);
    }
    expect(await api.listWebhooks()).toEqual([]);

    const made = await api.createWebhook(" https://CRM.example.com ", ["message.sent", "message.received", "message.sent"]);
    expect(made.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(made.webhook).toMatchObject({
      url: "https://crm.example.com/",
      events: ["message.sent", "message.received"],
      enabled: true,
    });
    const other = await api.createWebhook("http://10.0.0.5:8080/in", ["conversation.status_changed"]);
    expect(other.secret).not.toBe(made.secret);
    expect((await api.listWebhooks()).map((w) => w.id)).toEqual([made.webhook.id, other.webhook.id]);

    expect(await api.deleteWebhook(made.webhook.id)).toBeNull();
    const gone = await api.deleteWebhook(made.webhook.id).catch((e: unknown) => e);
    expect((gone as ApiFailure).code).toBe("not_found");
    expect((await api.listWebhooks()).map((w) => w.id)).toEqual([other.webhook.id]);
  });
});
