import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, ApiFailure, setBackend, type ApiTokenCreated, type Result, type ApiError } from "../api";
import { createMockBackend, type MockBackend, type MockOptions } from "../mock";
import { apiBaseUrl } from "../components/ApiTokensSection";
import App from "../App";

function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, ...options });
  setBackend(backend);
  return backend;
}

type User = ReturnType<typeof userEvent.setup>;

async function openTokens(user: User) {
  render(<App />);
  await user.click(screen.getByTestId("nav-settings"));
  const section = await screen.findByTestId("settings-api-tokens");
  await waitFor(() => expect(within(section).queryByText("Loading…")).not.toBeInTheDocument());
  return section;
}

const rows = (section: HTMLElement) => within(section).getAllByTestId("api-token");
const scopesOf = (row: HTMLElement) =>
  [...within(row).getByTestId("api-token-scopes").children].map((pill) => pill.textContent);

async function fillForm(user: User, section: HTMLElement, name: string, scopes: string[]) {
  await user.type(within(section).getByTestId("api-tokens-name"), name);
  for (const scope of scopes) await user.click(within(section).getByTestId(`api-tokens-scope-${scope}`));
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("Settings → API tokens", () => {
  it("comes right after the LAN endpoint and lists the tokens, the newest first, with their scopes, prefix and use", async () => {
    useMock();
    const user = userEvent.setup();
    const section = await openTokens(user);
    expect(screen.getByTestId("settings-lan").nextElementSibling).toBe(section);
    expect(within(section).getByRole("heading", { name: "API tokens" })).toBeInTheDocument();
    expect(section).toHaveTextContent("Authorization: Bearer <token>");

    const listed = await api.listApiTokens();
    expect(listed.map((t) => t.name)).toEqual(["Website chat", "CRM", "Old 1C export"]);
    const [chat, crm, old] = rows(section);
    expect(rows(section)).toHaveLength(3);

    expect(within(chat).getByTestId("api-token-name")).toHaveTextContent("Website chat");
    expect(scopesOf(chat)).toEqual(["Read", "Send"]);
    expect(within(chat).getByTestId("api-token-prefix")).toHaveTextContent(listed[0].prefix);
    expect(within(chat).getByTestId("api-token-prefix").tagName).toBe("CODE");
    expect(listed[0].prefix).toMatch(/^tby_[0-9a-f]{8}…$/);
    expect(within(chat).getByTestId("api-token-created")).toHaveTextContent(/^Created .+\d/);
    expect(within(chat).getByTestId("api-token-used")).toHaveTextContent("last used 12 min ago");
    expect(within(chat).getByTestId("api-token-revoke")).toHaveTextContent("Revoke…");
    expect(chat).toHaveAttribute("data-revoked", "false");

    expect(scopesOf(crm)).toEqual(["Read"]);
    expect(within(crm).getByTestId("api-token-used")).toHaveTextContent("never used");

    // A revoked token is greyed, says since when, and cannot be revoked again.
    expect(old).toHaveAttribute("data-revoked", "true");
    expect(old).toHaveClass("is-revoked");
    expect(within(old).getByTestId("api-token-revoked")).toHaveTextContent(/^Revoked .+\d/);
    expect(within(old).queryByTestId("api-token-revoke")).not.toBeInTheDocument();
    expect(within(section).getAllByTestId("api-token-revoke")).toHaveLength(2);
  });

  it("says the LAN endpoint is off, and shows the curl example at the address it listens on", async () => {
    useMock();
    const user = userEvent.setup();
    const section = await openTokens(user);
    expect(within(section).getByTestId("api-tokens-lan-off")).toHaveTextContent("The LAN endpoint is off");
    expect(within(section).getByTestId("api-tokens-curl")).toHaveTextContent(
      'curl -H "Authorization: Bearer tby_…" http://ADDRESS:PORT/api/v1/health',
    );
    expect(within(section).getByTestId("api-tokens-try-address")).toHaveTextContent("PORT");

    const address = screen.getByTestId("settings-lan-address");
    await user.clear(address);
    await user.type(address, "192.168.1.20:8787");
    await user.click(screen.getByTestId("settings-lan-save"));
    await waitFor(() => expect(within(section).queryByTestId("api-tokens-lan-off")).not.toBeInTheDocument());
    expect(within(section).getByTestId("api-tokens-curl")).toHaveTextContent(
      'curl -H "Authorization: Bearer tby_…" http://192.168.1.20:8787/api/v1/health',
    );
    expect(within(section).queryByTestId("api-tokens-try-address")).not.toBeInTheDocument();
  });

  it("builds the example's address from the endpoint's", () => {
    expect(apiBaseUrl({ listen: null, listening: null, error: null, https: false })).toEqual({
      url: "http://ADDRESS:PORT",
      placeholder: "addressPort",
    });
    // Every network of this computer: the other systems use its address on theirs.
    expect(apiBaseUrl({ listen: "0.0.0.0:0", listening: "0.0.0.0:8791", error: null, https: false })).toEqual({
      url: "http://ADDRESS:8791",
      placeholder: "address",
    });
    expect(apiBaseUrl({ listen: "[::]:8787", listening: null, error: "taken", https: false }).url).toBe("http://ADDRESS:8787");
    expect(apiBaseUrl({ listen: "10.0.0.5:8787", listening: "10.0.0.5:8787", error: null, https: true }).url).toBe(
      "https://10.0.0.5:8787",
    );
    expect(apiBaseUrl({ listen: "10.0.0.5:8787", listening: "10.0.0.5:8787", error: null, https: false })).toEqual({
      url: "http://10.0.0.5:8787",
      placeholder: null,
    });
  });

  it("says there is no token yet, and keeps Create disabled until a name and a scope are given", async () => {
    useMock({ seed: false });
    const user = userEvent.setup();
    const section = await openTokens(user);
    expect(within(section).getByTestId("api-tokens-empty")).toHaveTextContent("No token yet");
    expect(within(section).queryByTestId("api-token")).not.toBeInTheDocument();

    const create = within(section).getByTestId("api-tokens-create");
    const name = within(section).getByTestId("api-tokens-name");
    expect(name).toHaveAttribute("maxLength", "80");
    expect(create).toBeDisabled();
    await user.type(name, "   ");
    await user.click(within(section).getByTestId("api-tokens-scope-read"));
    expect(create).toBeDisabled();
    await user.type(name, "CRM");
    expect(create).toBeEnabled();
    await user.click(within(section).getByTestId("api-tokens-scope-read"));
    expect(create).toBeDisabled();
    await user.click(within(section).getByTestId("api-tokens-scope-admin"));
    expect(create).toBeEnabled();
    await user.clear(name);
    expect(create).toBeDisabled();
  });

  it("creates a token with the trimmed name and the chosen scopes, shows it once, and forgets it on Done", async () => {
    const backend = useMock({ seed: false });
    const createApiToken = vi.spyOn(backend.commands, "createApiToken");
    const user = userEvent.setup();
    const section = await openTokens(user);

    await fillForm(user, section, "  Website chat  ", ["admin", "send"]);
    await user.click(within(section).getByTestId("api-tokens-create"));
    const panel = await within(section).findByTestId("api-tokens-created");

    expect(createApiToken).toHaveBeenCalledTimes(1);
    expect(createApiToken).toHaveBeenCalledWith("Website chat", ["send", "admin"]);
    const answer = (await createApiToken.mock.results[0].value) as Result<ApiTokenCreated, ApiError>;
    if (answer.status !== "ok") throw new Error("the token was not created");
    const { secret, token } = answer.data;
    expect(secret).toMatch(/^tby_[0-9a-f]{64}$/);

    const field = within(panel).getByTestId("api-tokens-secret");
    expect(field).toHaveValue(secret);
    expect(field).toHaveAttribute("readonly");
    expect(panel).toHaveTextContent("Token “Website chat” created");
    expect(within(panel).getByTestId("api-tokens-warning")).toHaveTextContent(
      "Copy it now: Tuberry keeps only a fingerprint of it and cannot show it again.",
    );
    // The form is back only after Done.
    expect(within(section).queryByTestId("api-tokens-form")).not.toBeInTheDocument();

    // The list has it at once, by its first characters only.
    const [row] = rows(section);
    expect(within(row).getByTestId("api-token-name")).toHaveTextContent("Website chat");
    expect(scopesOf(row)).toEqual(["Admin", "Send"]);
    expect(within(row).getByTestId("api-token-prefix")).toHaveTextContent(`${secret.slice(0, 12)}…`);
    expect(within(row).getByTestId("api-token-prefix")).toHaveTextContent(token.prefix);
    expect(within(row).getByTestId("api-token-used")).toHaveTextContent("never used");
    expect(row.textContent).not.toContain(secret);

    await user.click(within(panel).getByTestId("api-tokens-copy"));
    expect(await within(panel).findByTestId("api-tokens-copied")).toHaveTextContent("Copied");
    expect(await navigator.clipboard.readText()).toBe(secret);

    await user.click(within(panel).getByTestId("api-tokens-done"));
    expect(within(section).queryByTestId("api-tokens-created")).not.toBeInTheDocument();
    expect(screen.queryByDisplayValue(secret)).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(secret.slice(12));
    for (let i = 0; i < localStorage.length; i++) {
      expect(localStorage.getItem(localStorage.key(i) ?? "")).not.toContain(secret.slice(12));
    }
    // A fresh form, and the token stays listed.
    expect(within(section).getByTestId("api-tokens-name")).toHaveValue("");
    expect(within(section).getByTestId("api-tokens-create")).toBeDisabled();
    expect(rows(section)).toHaveLength(1);
    expect(within(section).queryByTestId("api-tokens-empty")).not.toBeInTheDocument();
    expect((await api.listApiTokens()).map((t) => t.name)).toEqual(["Website chat"]);
  });

  it("keeps quiet when the clipboard refuses, the token staying selectable", async () => {
    useMock({ seed: false });
    const user = userEvent.setup();
    const writeText = vi.spyOn(navigator.clipboard, "writeText").mockRejectedValue(new Error("denied"));
    const section = await openTokens(user);
    await fillForm(user, section, "1C", ["read"]);
    await user.click(within(section).getByTestId("api-tokens-create"));
    const panel = await within(section).findByTestId("api-tokens-created");
    await user.click(within(panel).getByTestId("api-tokens-copy"));
    expect(writeText).toHaveBeenCalledWith((within(panel).getByTestId("api-tokens-secret") as HTMLInputElement).value);
    await waitFor(() => expect(writeText.mock.results[0]?.value).toBeDefined());
    expect(within(panel).queryByTestId("api-tokens-copied")).not.toBeInTheDocument();
    expect(within(section).queryByRole("alert")).not.toBeInTheDocument();
  });

  it("revokes a token after asking, and the row says so", async () => {
    const backend = useMock();
    const revokeApiToken = vi.spyOn(backend.commands, "revokeApiToken");
    const user = userEvent.setup();
    const section = await openTokens(user);
    const crm = rows(section)[1];
    const crmId = (await api.listApiTokens())[1].id;

    // Cancelling changes nothing.
    await user.click(within(crm).getByTestId("api-token-revoke"));
    const confirm = within(crm).getByTestId("api-token-confirm");
    expect(confirm).toHaveTextContent("Revoke “CRM”?");
    expect(confirm).toHaveTextContent("Systems using it are refused at once.");
    await user.click(within(confirm).getByTestId("api-token-revoke-cancel"));
    expect(within(crm).queryByTestId("api-token-confirm")).not.toBeInTheDocument();
    expect(revokeApiToken).not.toHaveBeenCalled();

    await user.click(within(crm).getByTestId("api-token-revoke"));
    await user.click(within(crm).getByTestId("api-token-revoke-confirm"));
    await waitFor(() => expect(crm).toHaveAttribute("data-revoked", "true"));
    expect(revokeApiToken).toHaveBeenCalledTimes(1);
    expect(revokeApiToken).toHaveBeenCalledWith(crmId);
    expect(within(crm).getByTestId("api-token-revoked")).toHaveTextContent(/^Revoked /);
    expect(within(crm).queryByTestId("api-token-revoke")).not.toBeInTheDocument();
    expect(within(crm).queryByTestId("api-token-confirm")).not.toBeInTheDocument();
    expect((await api.listApiTokens())[1].revokedAt).not.toBeNull();
    // The other live token is untouched.
    expect(rows(section)[0]).toHaveAttribute("data-revoked", "false");
  });

  it("shows the engine's refusal of a new token, and of a revocation", async () => {
    const backend = useMock();
    const user = userEvent.setup();
    const section = await openTokens(user);

    backend.failNext("createApiToken", { code: "invalid_input", message: "a token needs a name of 1 to 80 characters" });
    await fillForm(user, section, "CRM", ["read"]);
    await user.click(within(section).getByTestId("api-tokens-create"));
    expect(await within(section).findByTestId("api-tokens-create-error")).toHaveTextContent(
      "a token needs a name of 1 to 80 characters",
    );
    expect(within(section).queryByTestId("api-tokens-created")).not.toBeInTheDocument();
    expect(rows(section)).toHaveLength(3);
    // What was typed stays, to try again.
    expect(within(section).getByTestId("api-tokens-name")).toHaveValue("CRM");

    backend.failNext("revokeApiToken", { code: "not_found", message: "API token 2 not found" });
    const crm = rows(section)[1];
    await user.click(within(crm).getByTestId("api-token-revoke"));
    await user.click(within(crm).getByTestId("api-token-revoke-confirm"));
    expect(await within(section).findByTestId("api-tokens-revoke-error")).toHaveTextContent("API token 2 not found");
    expect(crm).toHaveAttribute("data-revoked", "false");
  });

  it("says when the tokens cannot be read", async () => {
    const backend = useMock();
    backend.failNext("listApiTokens", { code: "internal", message: "database is locked" });
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("nav-settings"));
    const section = await screen.findByTestId("settings-api-tokens");
    expect(await within(section).findByTestId("api-tokens-load-error")).toHaveTextContent(i18n.t("errors.internal"));
    expect(within(section).queryByTestId("api-tokens-form")).not.toBeInTheDocument();
  });

  it("refuses in the demo engine, as the engine does, a token without a name or a scope", async () => {
    useMock({ seed: false });
    for (const [name, scopes] of [
      ["  ", ["send"]],
      ["x".repeat(81), ["send"]],
      ["CRM", []],
    ] as const) {
      const refusal = await api.createApiToken(name, [...scopes]).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(ApiFailure);
      expect((refusal as ApiFailure).code).toBe("invalid_input");
    }
    const made = await api.createApiToken(" CRM ", ["send", "read", "send"]);
    expect(made.token).toMatchObject({ name: "CRM", scopes: ["read", "send"], lastUsedAt: null, revokedAt: null });
    expect(made.token.prefix).toBe(`${made.secret.slice(0, 12)}…`);
    expect((await api.revokeApiToken(made.token.id)).revokedAt).not.toBeNull();
    expect(await api.listApiTokens()).toHaveLength(1);
  });
});
