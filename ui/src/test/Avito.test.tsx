import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend } from "../api";
import { createMockBackend, DEMO_AVITO_NAME, type MockBackend, type MockOptions } from "../mock";
import App from "../App";

function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, avitoStartMs: 20, ...options });
  setBackend(backend);
  return backend;
}

const DEMO_ACCOUNT = "Avito · Furniture & goods";

const avitoRows = () => screen.queryAllByTestId("avito-row");
const rowOf = (text: string) => avitoRows().find((r) => r.textContent?.includes(text));

async function openAvito() {
  const user = userEvent.setup();
  render(<App />);
  await user.click(screen.getByTestId("nav-avito"));
  await screen.findByTestId("avito-view");
  await waitFor(() => expect(avitoRows().length).toBeGreaterThan(0));
  return user;
}

async function demoAccountId() {
  const list = await api.listAvitoAccounts();
  return list.find((a) => a.name === DEMO_ACCOUNT)!.id;
}

/** Opens the connect form and fills it in. */
async function fillConnectForm(user: ReturnType<typeof userEvent.setup>, clientId: string, secret: string) {
  await user.click(screen.getByTestId("avito-add"));
  const form = await screen.findByTestId("avito-form");
  if (clientId) await user.type(within(form).getByTestId("avito-client-id"), clientId);
  if (secret) await user.type(within(form).getByTestId("avito-client-secret"), secret);
  return form;
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("Avito accounts list", () => {
  it("is reached from the top bar next to Mailboxes and shows the demo account online", async () => {
    useMock();
    await openAvito();
    const tabs = screen.getAllByRole("button").filter((b) => b.dataset.testid?.startsWith("nav-"));
    expect(tabs.map((b) => b.dataset.testid)).toEqual([
      "nav-inbox",
      "nav-projects",
      "nav-mailboxes",
      "nav-avito",
      "nav-accounts",
      "nav-assistant",
      "nav-dashboard",
      "nav-health",
      "nav-settings",
    ]);
    expect(screen.getByTestId("nav-avito")).toHaveAttribute("aria-current", "page");
    const row = rowOf(DEMO_ACCOUNT)!;
    expect(row).toHaveAttribute("data-state", "online");
    expect(within(row).getByTestId("avito-state")).toHaveTextContent("Online");
    expect(within(row).queryByTestId("avito-row-problem")).not.toBeInTheDocument();
  });

  it("follows the engine's state, and names the problem in the row and the detail", async () => {
    const backend = useMock();
    const id = await demoAccountId();
    const user = await openAvito();
    await user.click(rowOf(DEMO_ACCOUNT)!);
    const detail = await screen.findByTestId("avito-detail");

    backend.setAvitoState(id, "offline", { problem: "connect", message: "connecting to api.avito.ru:443 timed out" });
    await waitFor(() => expect(rowOf(DEMO_ACCOUNT)).toHaveAttribute("data-state", "offline"));
    expect(within(rowOf(DEMO_ACCOUNT)!).getByTestId("avito-state")).toHaveTextContent("No connection");
    expect(within(rowOf(DEMO_ACCOUNT)!).getByTestId("avito-row-problem")).toHaveTextContent("Avito cannot be reached");
    const error = within(detail).getByTestId("avito-last-error");
    expect(error).toHaveTextContent("Avito cannot be reached");
    expect(error).toHaveTextContent("keeps retrying");
    expect(error).toHaveTextContent("Avito said: connecting to api.avito.ru:443 timed out");

    backend.setAvitoState(id, "online");
    await waitFor(() => expect(rowOf(DEMO_ACCOUNT)).toHaveAttribute("data-state", "online"));
    expect(within(detail).queryByTestId("avito-last-error")).not.toBeInTheDocument();
  });
});

describe("connecting an Avito account", () => {
  it("checks empty fields before asking Avito", async () => {
    const backend = useMock();
    const connect = vi.spyOn(backend.commands, "connectAvito");
    const user = await openAvito();
    const form = await fillConnectForm(user, "", "");
    await user.click(within(form).getByTestId("avito-connect"));
    expect(within(form).getByTestId("avito-client-id-error")).toHaveTextContent("Enter the Client ID.");
    expect(within(form).getByTestId("avito-client-secret-error")).toHaveTextContent("Enter the Client secret.");
    expect(within(form).getByTestId("avito-client-id")).toHaveAttribute("aria-invalid", "true");

    await user.type(within(form).getByTestId("avito-client-id"), "   ");
    await user.type(within(form).getByTestId("avito-client-secret"), "secret-1");
    await user.click(within(form).getByTestId("avito-connect"));
    expect(within(form).getByTestId("avito-client-id-error")).toBeInTheDocument();
    expect(within(form).queryByTestId("avito-client-secret-error")).not.toBeInTheDocument();
    expect(connect).not.toHaveBeenCalled();
  });

  it("explains where the credentials come from and that the top tariff is needed", async () => {
    useMock();
    const user = await openAvito();
    const form = await fillConnectForm(user, "", "");
    expect(form).toHaveTextContent("avito.ru/professionals/api");
    expect(form).toHaveTextContent("Personal authorization");
    expect(within(form).getByTestId("avito-tariff-note")).toHaveTextContent("“Maximum” (“Максимальный”");
    expect(within(form).getByTestId("avito-client-secret")).toHaveAttribute("type", "password");
    expect(form).toHaveTextContent("never shown again");
  });

  it("shows why Avito refused the credentials and keeps the form", async () => {
    const backend = useMock();
    const connect = vi.spyOn(backend.commands, "connectAvito");
    const user = await openAvito();
    const form = await fillConnectForm(user, "client-42", "wrong");
    backend.answerNext("connectAvito", {
      status: "ok",
      data: {
        outcome: "refused",
        error: { problem: "credentials", message: "invalid_client: client authentication failed" },
      },
    });
    await user.click(within(form).getByTestId("avito-connect"));
    expect(connect).toHaveBeenCalledWith({ clientId: "client-42", clientSecret: "wrong", apiUrl: null });

    const refused = await within(form).findByTestId("avito-refused");
    expect(refused).toHaveTextContent("Avito did not connect the account");
    expect(refused).toHaveTextContent("Client ID or Client secret not accepted");
    expect(refused).toHaveTextContent("“Personal authorization”");
    expect(refused).toHaveTextContent("Avito said: invalid_client: client authentication failed");
    // Nothing was added; the form stays filled in to be corrected.
    expect(screen.getByTestId("avito-new")).toBeInTheDocument();
    expect(within(form).getByTestId("avito-client-id")).toHaveValue("client-42");
    expect(avitoRows()).toHaveLength(1);

    // Correcting a field takes the old verdict away.
    await user.type(within(form).getByTestId("avito-client-secret"), "!");
    expect(within(form).queryByTestId("avito-refused")).not.toBeInTheDocument();
  });

  it("says when the account is connected already", async () => {
    const backend = useMock();
    const user = await openAvito();
    const form = await fillConnectForm(user, "k7Qd2mWx9aPzR4tB", "secret");
    backend.answerNext("connectAvito", {
      status: "ok",
      data: {
        outcome: "refused",
        error: { problem: "duplicate", message: `the Avito account “${DEMO_ACCOUNT}” is already connected` },
      },
    });
    await user.click(within(form).getByTestId("avito-connect"));
    const refused = await within(form).findByTestId("avito-refused");
    expect(refused).toHaveTextContent("This Avito account is already connected");
    expect(refused).toHaveTextContent(DEMO_ACCOUNT);
  });

  it("connects, selects the new account and follows it to online", async () => {
    const backend = useMock({ avitoStartMs: 80 });
    const connect = vi.spyOn(backend.commands, "connectAvito");
    const user = await openAvito();
    const form = await fillConnectForm(user, " shop-client ", "s3cret");
    await user.click(within(form).getByTestId("avito-advanced").querySelector("summary")!);
    await user.type(within(form).getByTestId("avito-api-url"), "http://127.0.0.1:8090/");
    await user.click(within(form).getByTestId("avito-connect"));
    expect(connect).toHaveBeenCalledWith({
      clientId: "shop-client",
      clientSecret: "s3cret",
      apiUrl: "http://127.0.0.1:8090/",
    });

    const detail = await screen.findByTestId("avito-detail");
    expect(within(detail).getByRole("heading", { level: 1 })).toHaveTextContent(DEMO_AVITO_NAME);
    expect(rowOf(DEMO_AVITO_NAME)).toHaveAttribute("aria-current", "true");
    expect(within(detail).getByTestId("avito-client-id-value")).toHaveTextContent("shop-client");
    expect(detail).toHaveTextContent("http://127.0.0.1:8090");
    await waitFor(() => expect(rowOf(DEMO_AVITO_NAME)).toHaveAttribute("data-state", "online"));
    expect(within(detail).getByTestId("avito-state")).toHaveTextContent("Online");
    expect(within(detail).getByTestId("avito-last-poll")).toHaveTextContent("Chats last read");
    expect(within(detail).queryByTestId("avito-tariff")).not.toBeInTheDocument();
    expect(avitoRows()).toHaveLength(2);
  });

  it("connects an account without the Messenger API and says plainly that the tariff is why", async () => {
    const backend = useMock();
    const user = await openAvito();
    const form = await fillConnectForm(user, "basic-plan", "secret");
    await user.click(within(form).getByTestId("avito-connect"));
    await screen.findByTestId("avito-detail");

    // The engine finds the tariff has no Messenger API when it first reads the chats.
    const added = (await api.listAvitoAccounts()).find((a) => a.name === DEMO_AVITO_NAME)!;
    backend.setAvitoState(added.id, "offline", {
      problem: "tariff",
      message: "403 Forbidden: access to the Messenger API is not available for this account",
    });
    const tariff = await screen.findByTestId("avito-tariff");
    expect(screen.getByTestId("avito-detail")).toHaveTextContent(DEMO_AVITO_NAME);
    expect(tariff).toHaveTextContent("Your Avito tariff has no access to chats");
    expect(tariff).toHaveTextContent("only on its top tariff, “Maximum” (“Максимальный”");
    expect(tariff).toHaveTextContent("only with the main account's Client ID and secret");
    expect(tariff).toHaveTextContent("Avito said: 403 Forbidden");
    const row = rowOf(DEMO_AVITO_NAME)!;
    await waitFor(() => expect(row).toHaveAttribute("data-state", "offline"));
    expect(within(row).getByTestId("avito-row-problem")).toHaveAttribute("data-problem", "tariff");
    expect(within(row).getByTestId("avito-row-problem")).toHaveTextContent("Your Avito tariff has no access to chats");
  });
});

describe("an Avito account", () => {
  it("shows what it is on Avito, and reads its chats on request", async () => {
    const backend = useMock();
    const id = await demoAccountId();
    const poll = vi.spyOn(backend.commands, "pollAvito");
    const user = await openAvito();
    await user.click(rowOf(DEMO_ACCOUNT)!);
    const detail = await screen.findByTestId("avito-detail");
    expect(within(detail).getByTestId("avito-user-id")).toHaveTextContent("94235311");
    expect(within(detail).getByTestId("avito-client-id-value")).toHaveTextContent("k7Qd2mWx9aPzR4tB");
    const profile = within(detail).getByTestId("avito-profile");
    expect(profile).toHaveAttribute("href", "https://www.avito.ru/user/59de0af/profile");
    expect(profile).toHaveAttribute("target", "_blank");
    expect(profile).toHaveAttribute("rel", expect.stringContaining("noopener"));
    const before = within(detail).getByTestId("avito-last-poll").textContent;
    expect(before).toMatch(/Chats last read/);

    await user.click(within(detail).getByTestId("avito-check"));
    expect(poll).toHaveBeenCalledWith(id);
    await waitFor(() => expect(within(detail).getByTestId("avito-last-poll").textContent).not.toBe(before));
  });

  it("turns webhooks on with a public address and off again", async () => {
    const backend = useMock();
    const id = await demoAccountId();
    const webhook = vi.spyOn(backend.commands, "setAvitoWebhook");
    const user = await openAvito();
    await user.click(rowOf(DEMO_ACCOUNT)!);
    const section = await screen.findByTestId("avito-webhook");
    expect(section).toHaveTextContent("behind a home or office router (NAT)");
    expect(section).toHaveTextContent("LAN endpoint");
    expect(section).toHaveAttribute("data-on", "false");
    expect(within(section).getByTestId("avito-webhook-on")).toBeDisabled();

    await user.type(within(section).getByTestId("avito-webhook-input"), "https://shop.example.com:8443/");
    await user.click(within(section).getByTestId("avito-webhook-on"));
    expect(webhook).toHaveBeenCalledWith(id, "https://shop.example.com:8443/");
    await waitFor(() => expect(section).toHaveAttribute("data-on", "true"));
    expect(within(section).getByTestId("avito-webhook-url")).toHaveTextContent(
      "Avito sends new messages to https://shop.example.com:8443",
    );

    await user.click(within(section).getByTestId("avito-webhook-off"));
    expect(webhook).toHaveBeenLastCalledWith(id, null);
    await waitFor(() => expect(section).toHaveAttribute("data-on", "false"));
    expect(within(section).getByTestId("avito-webhook-input")).toHaveValue("");
  });

  it("shows the engine's refusal of a webhook address", async () => {
    const backend = useMock();
    const user = await openAvito();
    await user.click(rowOf(DEMO_ACCOUNT)!);
    const section = await screen.findByTestId("avito-webhook");
    await user.type(within(section).getByTestId("avito-webhook-input"), "ftp://shop.example.com");
    backend.failNext("setAvitoWebhook", {
      code: "invalid_input",
      message: "`ftp://shop.example.com` is not an http(s) address",
    });
    await user.click(within(section).getByTestId("avito-webhook-on"));
    expect(await within(section).findByTestId("avito-webhook-error")).toHaveTextContent(
      "`ftp://shop.example.com` is not an http(s) address",
    );
    expect(section).toHaveAttribute("data-on", "false");
  });

  it("is disconnected only after confirmation, and its conversations stay", async () => {
    const backend = useMock();
    const id = await demoAccountId();
    const remove = vi.spyOn(backend.commands, "removeAvito");
    const user = await openAvito();
    await user.click(rowOf(DEMO_ACCOUNT)!);
    const detail = await screen.findByTestId("avito-detail");

    await user.click(within(detail).getByTestId("avito-remove"));
    expect(remove).not.toHaveBeenCalled();
    expect(detail).toHaveTextContent(`Disconnect “${DEMO_ACCOUNT}”?`);
    expect(detail).toHaveTextContent("Conversations stay in the inbox");
    await user.click(within(detail).getByText("Cancel", { selector: ".confirm button" }));
    expect(within(detail).queryByTestId("avito-remove-confirm")).not.toBeInTheDocument();
    expect(remove).not.toHaveBeenCalled();

    await user.click(within(detail).getByTestId("avito-remove"));
    await user.click(within(detail).getByTestId("avito-remove-confirm"));
    expect(remove).toHaveBeenCalledWith(id);
    await waitFor(() => expect(avitoRows()).toHaveLength(0));
    expect(screen.queryByTestId("avito-detail")).not.toBeInTheDocument();
    expect(await screen.findByTestId("avito-empty")).toHaveTextContent("No Avito accounts yet");
    expect(backend.size()).toBe(6);
  });
});

describe("the listing of an Avito conversation", () => {
  async function openConversation(name: string) {
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(screen.queryAllByTestId("conversation-row")).toHaveLength(6));
    const row = screen.getAllByTestId("conversation-row").find((r) => r.textContent?.includes(name))!;
    await user.click(row);
    return screen.findByTestId("thread");
  }

  it("is shown in the thread header with its photo, title, price and a link to Avito", async () => {
    useMock();
    const thread = await openConversation("Maria Sokolova");
    const card = await within(thread).findByTestId("listing-card");
    expect(within(card).getByTestId("listing-title")).toHaveTextContent("Corner sofa “Oslo”, velour, 250 cm");
    expect(within(card).getByTestId("listing-price")).toHaveTextContent("34 990 ₽");
    expect(within(card).getByTestId("listing-image")).toHaveAttribute("src", expect.stringMatching(/^data:image\/svg\+xml/));
    const link = within(card).getByTestId("listing-link");
    expect(link).toHaveTextContent("Open on Avito");
    expect(link).toHaveAttribute("href", "https://www.avito.ru/moskva/mebel_i_interer/divan_uglovoy_oslo_3412907751");
    expect(link).toHaveAttribute("target", "_blank");
    expect(link).toHaveAttribute("rel", expect.stringContaining("noopener"));
  });

  it("renders what the engine gives: no photo, a photo that fails, no link for a non-web address", async () => {
    const backend = useMock();
    const igor = (await api.listConversations({ search: "Igor" })).items[0];
    const detail = await api.getConversation(igor.id);
    const listing = { title: "Bicycle", price: null, url: "javascript:alert(1)", imageUrl: "https://img.example/1.jpg" };
    backend.answerNext("getConversation", { status: "ok", data: { ...detail, listing } });
    const thread = await openConversation("Igor Petrov");
    const card = await within(thread).findByTestId("listing-card");
    expect(card).toHaveTextContent("Bicycle");
    expect(within(card).queryByTestId("listing-price")).not.toBeInTheDocument();
    expect(within(card).queryByTestId("listing-link")).not.toBeInTheDocument();
    fireEvent.error(within(card).getByTestId("listing-image"));
    expect(within(card).queryByTestId("listing-image")).not.toBeInTheDocument();
  });

  it("is not shown for a conversation without one", async () => {
    useMock();
    const thread = await openConversation("Elena Krylova");
    expect(within(thread).queryByTestId("listing-card")).not.toBeInTheDocument();
  });
});

describe("in Russian", () => {
  it("names the view and explains the tariff", async () => {
    useMock();
    await i18n.changeLanguage("ru");
    const user = userEvent.setup();
    render(<App />);
    expect(screen.getByTestId("nav-avito")).toHaveTextContent("Авито");
    await user.click(screen.getByTestId("nav-avito"));
    await user.click(screen.getByTestId("avito-add"));
    const form = await screen.findByTestId("avito-form");
    expect(within(form).getByTestId("avito-tariff-note")).toHaveTextContent("«Максимальный»");
    expect(form).toHaveTextContent("Личная авторизация");
    await user.click(within(form).getByTestId("avito-connect"));
    expect(within(form).getByTestId("avito-client-id-error")).toHaveTextContent("Введите Client ID.");
  });
});
