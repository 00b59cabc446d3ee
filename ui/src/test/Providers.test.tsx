import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, ApiFailure, setBackend, type ApiError, type ProviderCreated, type Result } from "../api";
import { createMockBackend, type MockBackend, type MockOptions } from "../mock";
import App from "../App";

function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, ...options });
  setBackend(backend);
  return backend;
}

type User = ReturnType<typeof userEvent.setup>;

async function openProviders(user: User) {
  const view = render(<App />);
  await user.click(screen.getByTestId("nav-settings"));
  const section = await screen.findByTestId("settings-providers");
  await waitFor(() => expect(within(section).queryByText(i18n.t("accounts.loading"))).not.toBeInTheDocument());
  return { section, view };
}

const rows = (section: HTMLElement) => within(section).getAllByTestId("provider");
const projectSelect = (section: HTMLElement) => within(section).getByTestId("providers-project") as HTMLSelectElement;
const optionsOf = (select: HTMLSelectElement) => [...select.options].map((o) => o.textContent);

/** What the engine answered the last createProvider call (the token is only there). */
async function lastCreated(spy: { mock: { results: { value: unknown }[] } }): Promise<ProviderCreated> {
  const answer = (await spy.mock.results[spy.mock.results.length - 1].value) as Result<ProviderCreated, ApiError>;
  if (answer.status !== "ok") throw new Error("the provider was not created");
  return answer.data;
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("Settings → Providers", () => {
  it("comes right after the webhooks and lists the providers with where their replies go and the path they post to", async () => {
    useMock();
    const user = userEvent.setup();
    const { section } = await openProviders(user);
    expect(screen.getByTestId("settings-webhooks").nextElementSibling).toBe(section);
    expect(within(section).getByRole("heading", { name: "Providers" })).toBeInTheDocument();
    expect(section).toHaveTextContent("posts its customers' messages to the LAN endpoint with the provider's token");
    expect(section).toHaveTextContent("signed with the same token in the X-Tuberry-Signature header");
    expect(within(section).getByTestId("providers-lan-off")).toHaveTextContent("The LAN endpoint is off");

    const [site, app] = await api.listProviders();
    const [siteRow, appRow] = rows(section);
    expect(rows(section)).toHaveLength(2);
    expect(within(siteRow).getByTestId("provider-name")).toHaveTextContent("Website chat");
    expect(within(siteRow).getByTestId("provider-reply")).toHaveTextContent(
      "Replies to https://shop.example.com/tuberry/replies",
    );
    expect(within(siteRow).getByTestId("provider-path")).toHaveTextContent(`/api/v1/webhook/${site.id}`);
    expect(within(siteRow).getByTestId("provider-created")).toHaveTextContent(/^Added .+\d/);
    expect(within(siteRow).queryByTestId("provider-project")).not.toBeInTheDocument();
    expect(within(appRow).getByTestId("provider-name")).toHaveTextContent("Shop app");
    expect(within(appRow).getByTestId("provider-reply")).toHaveTextContent("takes no replies");
    expect(within(appRow).getByTestId("provider-path")).toHaveTextContent(`/api/v1/webhook/${app.id}`);
    expect(site.id).not.toBe(app.id);
    expect(within(siteRow).getByTestId("provider-remove")).toHaveTextContent("Remove…");
    expect(within(section).getAllByTestId("provider-remove")).toHaveLength(2);
  });

  it("says there is none yet, offers the projects, and keeps Add disabled until a name is typed", async () => {
    useMock({ seed: false });
    await api.createProject({ name: "Furniture", language: "en" });
    await api.createProject({ name: "Garden", language: "en" });
    const user = userEvent.setup();
    const { section } = await openProviders(user);
    expect(within(section).getByTestId("providers-empty")).toHaveTextContent("No provider yet");
    expect(within(section).queryByTestId("provider")).not.toBeInTheDocument();

    await waitFor(() => expect(optionsOf(projectSelect(section))).toEqual(["No project", "Furniture", "Garden"]));
    expect(projectSelect(section)).toHaveValue("");
    expect(within(section).getByTestId("providers-reply-url")).toHaveValue("");

    const add = within(section).getByTestId("providers-create");
    const name = within(section).getByTestId("providers-name");
    expect(add).toHaveTextContent("Add");
    expect(add).toBeDisabled();
    await user.type(within(section).getByTestId("providers-reply-url"), "https://shop.example.com/replies");
    expect(add).toBeDisabled();
    await user.type(name, "   ");
    expect(add).toBeDisabled();
    await user.type(name, "Website chat");
    expect(add).toBeEnabled();
    await user.clear(name);
    expect(add).toBeDisabled();
  });

  it("adds a provider with its name, project and reply URL, shows its token and address once, and forgets them on Done and on a reload", async () => {
    const backend = useMock({ seed: false });
    const furniture = await api.createProject({ name: "Furniture", language: "en" });
    await api.createProject({ name: "Garden", language: "en" });
    await api.setLanEndpoint("192.168.1.20:8787");
    const createProvider = vi.spyOn(backend.commands, "createProvider");
    const user = userEvent.setup();
    const { section, view } = await openProviders(user);
    expect(within(section).queryByTestId("providers-lan-off")).not.toBeInTheDocument();

    await user.type(within(section).getByTestId("providers-name"), "  Website chat  ");
    await waitFor(() => expect(optionsOf(projectSelect(section))).toContain("Furniture"));
    await user.selectOptions(projectSelect(section), "Furniture");
    await user.type(within(section).getByTestId("providers-reply-url"), " https://shop.example.com/replies ");
    await user.click(within(section).getByTestId("providers-create"));
    const panel = await within(section).findByTestId("providers-created");

    expect(createProvider).toHaveBeenCalledTimes(1);
    expect(createProvider).toHaveBeenCalledWith("Website chat", furniture.id, "https://shop.example.com/replies");
    const { provider, token, webhookPath } = await lastCreated(createProvider);
    expect(token).toMatch(/^tbp_[0-9a-f]{64}$/);
    expect(webhookPath).toBe(`/api/v1/webhook/${provider.id}`);
    expect(provider).toMatchObject({
      name: "Website chat",
      projectId: furniture.id,
      replyUrl: "https://shop.example.com/replies",
    });

    const field = within(panel).getByTestId("providers-token");
    expect(field).toHaveValue(token);
    expect(field).toHaveAttribute("readonly");
    expect(panel).toHaveTextContent("Website chat added");
    expect(within(panel).getByTestId("providers-warning")).toHaveTextContent("it won't be shown again");
    const url = `http://192.168.1.20:8787/api/v1/webhook/${provider.id}`;
    expect(within(panel).getByTestId("providers-webhook-url")).toHaveTextContent(url);
    expect(within(panel).queryByTestId("providers-webhook-path-hint")).not.toBeInTheDocument();
    expect(within(panel).getByTestId("providers-curl").textContent).toBe(
      `curl -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' ` +
        `-d '{"id":"m-1","from":{"id":"visitor-7","name":"Olga"},"text":"Hello"}' ${url}`,
    );
    expect(within(panel).queryByTestId("providers-try-address")).not.toBeInTheDocument();
    expect(within(panel).getByTestId("providers-replies")).toHaveTextContent(
      "Replies go to https://shop.example.com/replies, signed with this token in the X-Tuberry-Signature header.",
    );
    // The form is back only after Done.
    expect(within(section).queryByTestId("providers-form")).not.toBeInTheDocument();

    // Listed at once, with its project, without its token.
    const [row] = rows(section);
    expect(within(row).getByTestId("provider-name")).toHaveTextContent("Website chat");
    expect(within(row).getByTestId("provider-project")).toHaveTextContent("Furniture");
    expect(within(row).getByTestId("provider-reply")).toHaveTextContent("Replies to https://shop.example.com/replies");
    expect(within(row).getByTestId("provider-path")).toHaveTextContent(webhookPath);
    expect(row).toHaveClass("is-new");
    expect(row.textContent).not.toContain(token);

    await user.click(within(panel).getByTestId("providers-copy"));
    expect(await within(panel).findByTestId("providers-copied")).toHaveTextContent("Copied");
    expect(await navigator.clipboard.readText()).toBe(token);

    await user.click(within(panel).getByTestId("providers-done"));
    expect(within(section).queryByTestId("providers-created")).not.toBeInTheDocument();
    expect(screen.queryByDisplayValue(token)).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(token.slice(4));
    for (let i = 0; i < localStorage.length; i++) {
      expect(localStorage.getItem(localStorage.key(i) ?? "")).not.toContain(token.slice(4));
    }
    // A fresh form, and the provider stays listed.
    expect(within(section).getByTestId("providers-name")).toHaveValue("");
    expect(projectSelect(section)).toHaveValue("");
    expect(within(section).getByTestId("providers-reply-url")).toHaveValue("");
    expect(within(section).getByTestId("providers-create")).toBeDisabled();
    expect(rows(section)).toHaveLength(1);

    // Opened again, the list comes from the engine: the token is nowhere.
    view.unmount();
    const again = await openProviders(user);
    expect(rows(again.section)).toHaveLength(1);
    const [reread] = rows(again.section);
    expect(within(reread).getByTestId("provider-name")).toHaveTextContent("Website chat");
    expect(await within(reread).findByTestId("provider-project")).toHaveTextContent("Furniture");
    expect(reread).not.toHaveClass("is-new");
    expect(within(again.section).queryByTestId("providers-created")).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(token.slice(4));
    expect(JSON.stringify(await api.listProviders())).not.toContain(token.slice(4));
  });

  it("passes no project and no reply URL when none is given, and shows the path where the LAN address is unknown", async () => {
    const backend = useMock({ seed: false });
    const createProvider = vi.spyOn(backend.commands, "createProvider");
    const user = userEvent.setup();
    const { section } = await openProviders(user);

    await user.type(within(section).getByTestId("providers-name"), "Shop app");
    await user.type(within(section).getByTestId("providers-reply-url"), "   ");
    await user.click(within(section).getByTestId("providers-create"));
    const panel = await within(section).findByTestId("providers-created");
    expect(createProvider).toHaveBeenCalledWith("Shop app", null, null);
    const { provider, token } = await lastCreated(createProvider);

    expect(within(panel).getByTestId("providers-webhook-url").textContent).toBe(`/api/v1/webhook/${provider.id}`);
    expect(within(panel).getByTestId("providers-webhook-path-hint")).toHaveTextContent(
      "Put the LAN endpoint's address in front of this path",
    );
    expect(within(panel).getByTestId("providers-curl")).toHaveTextContent(
      `Bearer ${token}" -H 'Content-Type: application/json'`,
    );
    expect(within(panel).getByTestId("providers-curl").textContent).toMatch(
      new RegExp(`'\\{"id":"m-1".*"text":"Hello"\\}' http://ADDRESS:PORT/api/v1/webhook/${provider.id}$`),
    );
    expect(within(panel).getByTestId("providers-try-address")).toHaveTextContent("PORT the port");
    expect(within(panel).getByTestId("providers-replies")).toHaveTextContent("It takes no replies");
    expect(within(rows(section)[0]).getByTestId("provider-reply")).toHaveTextContent("takes no replies");
    expect(within(rows(section)[0]).queryByTestId("provider-project")).not.toBeInTheDocument();
  });

  it("shows the engine's refusal of a provider, keeping what was typed", async () => {
    const backend = useMock();
    const createProvider = vi.spyOn(backend.commands, "createProvider");
    const user = userEvent.setup();
    const { section } = await openProviders(user);
    const name = within(section).getByTestId("providers-name");
    const replyUrl = within(section).getByTestId("providers-reply-url");

    await user.type(name, "Website chat");
    await user.type(replyUrl, "shop.example.com/replies");
    await user.click(within(section).getByTestId("providers-create"));
    expect(await within(section).findByTestId("providers-create-error")).toHaveTextContent(
      "“shop.example.com/replies” is not a URL (http://… or https://…)",
    );
    expect(within(section).queryByTestId("providers-created")).not.toBeInTheDocument();
    expect(name).toHaveValue("Website chat");
    expect(replyUrl).toHaveValue("shop.example.com/replies");
    expect(rows(section)).toHaveLength(2);

    await user.clear(replyUrl);
    await user.type(replyUrl, "ftp://files.example.com/in");
    await user.click(within(section).getByTestId("providers-create"));
    await waitFor(() =>
      expect(within(section).getByTestId("providers-create-error")).toHaveTextContent(
        "the reply URL starts with http:// or https:// and names a host",
      ),
    );

    backend.failNext("createProvider", { code: "unavailable", message: "the system keychain is locked" });
    await user.clear(replyUrl);
    await user.click(within(section).getByTestId("providers-create"));
    await waitFor(() =>
      expect(within(section).getByTestId("providers-create-error")).toHaveTextContent("the system keychain is locked"),
    );
    expect(createProvider).toHaveBeenCalledTimes(3);
    expect(createProvider).toHaveBeenLastCalledWith("Website chat", null, null);
    expect(rows(section)).toHaveLength(2);
    expect(within(section).queryByTestId("providers-created")).not.toBeInTheDocument();
    expect(await api.listProviders()).toHaveLength(2);
  });

  it("removes a provider after asking, saying its conversations stay", async () => {
    const backend = useMock();
    const deleteProvider = vi.spyOn(backend.commands, "deleteProvider");
    const user = userEvent.setup();
    const { section } = await openProviders(user);
    const [site, app] = rows(section);
    const [, appProvider] = await api.listProviders();

    // Cancelling changes nothing.
    await user.click(within(app).getByTestId("provider-remove"));
    const confirm = within(app).getByTestId("provider-confirm");
    expect(confirm).toHaveTextContent("Remove the provider Shop app?");
    expect(confirm).toHaveTextContent("Its token stops working at once");
    expect(confirm).toHaveTextContent("Its conversations stay in the inbox.");
    expect(within(app).queryByTestId("provider-remove")).not.toBeInTheDocument();
    await user.click(within(confirm).getByTestId("provider-remove-cancel"));
    expect(within(app).queryByTestId("provider-confirm")).not.toBeInTheDocument();
    expect(deleteProvider).not.toHaveBeenCalled();
    expect(rows(section)).toHaveLength(2);

    // A refusal is shown and the provider stays.
    backend.failNext("deleteProvider", { code: "not_found", message: `provider ${appProvider.id} not found` });
    await user.click(within(app).getByTestId("provider-remove"));
    await user.click(within(app).getByTestId("provider-remove-confirm"));
    expect(await within(section).findByTestId("providers-remove-error")).toHaveTextContent(
      `provider ${appProvider.id} not found`,
    );
    expect(rows(section)).toHaveLength(2);

    await user.click(within(app).getByTestId("provider-remove-confirm"));
    await waitFor(() => expect(rows(section)).toHaveLength(1));
    expect(deleteProvider).toHaveBeenCalledTimes(2);
    expect(deleteProvider).toHaveBeenLastCalledWith(appProvider.id);
    expect(within(section).queryByTestId("providers-remove-error")).not.toBeInTheDocument();
    expect(rows(section)[0]).toBe(site);
    expect((await api.listProviders()).map((p) => p.name)).toEqual(["Website chat"]);
  });

  it("says when the providers cannot be read", async () => {
    const backend = useMock();
    backend.failNext("listProviders", { code: "internal", message: "database is locked" });
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("nav-settings"));
    const section = await screen.findByTestId("settings-providers");
    expect(await within(section).findByTestId("providers-load-error")).toHaveTextContent(i18n.t("errors.internal"));
    expect(within(section).queryByTestId("providers-form")).not.toBeInTheDocument();
  });

  it("speaks Russian", async () => {
    useMock({ locale: "ru" });
    await i18n.changeLanguage("ru");
    const user = userEvent.setup();
    const { section } = await openProviders(user);
    expect(within(section).getByRole("heading", { name: "Провайдеры" })).toBeInTheDocument();
    expect(section).toHaveTextContent("собственная система магазина");
    expect(section).toHaveTextContent("X-Tuberry-Signature");
    const [site, app] = rows(section);
    expect(within(site).getByTestId("provider-name")).toHaveTextContent("Чат на сайте");
    expect(within(site).getByTestId("provider-reply")).toHaveTextContent("Ответы на https://shop.example.com/tuberry/replies");
    expect(within(site).getByTestId("provider-created")).toHaveTextContent(/^Добавлен /);
    expect(within(app).getByTestId("provider-reply")).toHaveTextContent("ответов не принимает");
    expect(within(site).getByTestId("provider-remove")).toHaveTextContent("Удалить…");
    expect(optionsOf(projectSelect(section))).toEqual(["Без проекта"]);
    expect(within(section).getByTestId("providers-form")).toHaveTextContent(/Название.*Проект.*Адрес для ответов/);

    await user.click(within(app).getByTestId("provider-remove"));
    expect(within(app).getByTestId("provider-confirm")).toHaveTextContent("Его диалоги останутся во входящих.");
    await user.click(within(app).getByTestId("provider-remove-cancel"));

    const add = within(section).getByTestId("providers-create");
    expect(add).toHaveTextContent("Добавить");
    await user.type(within(section).getByTestId("providers-name"), "Виджет");
    await user.click(add);
    const panel = await within(section).findByTestId("providers-created");
    expect(panel).toHaveTextContent("Провайдер Виджет добавлен");
    expect(within(panel).getByTestId("providers-warning")).toHaveTextContent("больше он показан не будет");
    expect(within(panel).getByTestId("providers-replies")).toHaveTextContent("Ответов он не принимает");
    expect(within(panel).getByTestId("providers-done")).toHaveTextContent("Готово");
  });

  it("refuses in the demo engine, as the engine does, a bad name, a bad reply URL or an unknown project", async () => {
    useMock({ seed: false });
    const project = await api.createProject({ name: "Furniture", language: "en" });
    for (const [name, projectId, replyUrl, code, message] of [
      ["   ", null, null, "invalid_input", "a provider is named by 1 to 100 characters"],
      ["x".repeat(101), null, null, "invalid_input", "a provider is named by 1 to 100 characters"],
      ["Site", null, "shop.example.com", "invalid_input", "is not a URL"],
      ["Site", null, "mailto:shop@example.com", "invalid_input", "starts with http:// or https://"],
      ["Site", project.id + 1, null, "not_found", `project ${project.id + 1}`],
    ] as const) {
      const refusal = await api.createProvider(name, projectId, replyUrl).catch((e: unknown) => e);
      expect(refusal, name).toBeInstanceOf(ApiFailure);
      expect((refusal as ApiFailure).code).toBe(code);
      expect((refusal as ApiFailure).error.message).toContain(message);
    }
    expect(await api.listProviders()).toEqual([]);

    const made = await api.createProvider(` ${"é".repeat(100)} `, project.id, " https://SHOP.example.com ");
    expect(made.token).toMatch(/^tbp_[0-9a-f]{64}$/);
    expect(made.webhookPath).toBe(`/api/v1/webhook/${made.provider.id}`);
    expect(made.provider).toMatchObject({ name: "é".repeat(100), projectId: project.id, replyUrl: "https://shop.example.com/" });
    const other = await api.createProvider("App", null, "");
    expect(other.provider.replyUrl).toBeNull();
    expect(other.token).not.toBe(made.token);
    expect(other.provider.id).not.toBe(made.provider.id);
    expect((await api.listProviders()).map((p) => p.id)).toEqual([made.provider.id, other.provider.id]);

    expect(await api.deleteProvider(made.provider.id)).toBeNull();
    const gone = await api.deleteProvider(made.provider.id).catch((e: unknown) => e);
    expect((gone as ApiFailure).code).toBe("not_found");
    expect((await api.listProviders()).map((p) => p.id)).toEqual([other.provider.id]);
  });
});
