// A project's bot through a proxy: connecting with one, the engine's refusal
// of a malformed one, and connecting again without it.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend } from "../api";
import { createMockBackend, type MockBackend } from "../mock";
import App from "../App";

const VALID_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const PROXY = "socks5://shop:s3cret@proxy.example.com:1080";
const PROXY_REFUSAL =
  "the proxy must look like socks5://host:port or http://host:port " +
  "(with user:password@ before the host when it asks for a login)";

function useMock(): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, botStartMs: 40 });
  setBackend(backend);
  return backend;
}

async function showProject(name = "Shop") {
  const user = userEvent.setup();
  render(<App />);
  await user.click(screen.getByTestId("nav-projects"));
  await screen.findByTestId("projects-view");
  const rows = () => screen.queryAllByTestId("project-row");
  await waitFor(() => expect(rows().some((r) => r.textContent?.includes(name))).toBe(true));
  await user.click(rows().find((r) => r.textContent?.includes(name))!);
  const detail = await screen.findByTestId("project-detail");
  return { user, detail, section: within(detail).getByTestId("bot-section") };
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("bot proxy", () => {
  it("connects through a proxy and says so, never showing its address", async () => {
    const backend = useMock();
    const connect = vi.spyOn(backend.commands, "connectBot");
    const project = await api.createProject({ name: "Shop", language: "en" });
    const { user, section } = await showProject();

    const options = within(section).getByTestId("bot-connection-options");
    expect(options).not.toHaveAttribute("open");
    expect(options).toHaveTextContent("Own Bot API server or proxy");
    await user.click(within(options).getByText("Own Bot API server or proxy"));
    const proxy = within(section).getByTestId("bot-proxy-input");
    expect(proxy).toHaveAttribute("type", "text");
    expect(proxy).toHaveAttribute("placeholder", "socks5://user:password@host:1080");
    expect(proxy).toHaveAttribute("autocomplete", "off");
    expect(proxy).toHaveAttribute("spellcheck", "false");
    expect(within(section).getByTestId("bot-proxy-hint")).toHaveTextContent(
      "Where Telegram is slow or blocked: the bot's traffic goes through this proxy (SOCKS5 or HTTP). " +
        "Kept in the system keychain.",
    );
    expect(within(section).getByTestId("bot-proxy-hint")).not.toHaveTextContent("leave this field empty");

    await user.type(within(section).getByTestId("bot-token-input"), VALID_TOKEN);
    await user.type(proxy, `  ${PROXY} `);
    await user.click(within(section).getByTestId("bot-connect"));
    expect(connect).toHaveBeenCalledWith(project.id, { token: VALID_TOKEN, apiUrl: null, proxy: PROXY });

    expect(await within(section).findByTestId("bot-proxied")).toHaveTextContent("Through a proxy");
    expect(within(section).getByTestId("bot-username")).toHaveTextContent("@demo_shop_bot");
    await waitFor(() => expect(within(section).getByTestId("bot-state")).toHaveAttribute("data-state", "online"));
    // The form is gone, and the address (with its password) is shown nowhere.
    expect(within(section).queryByTestId("bot-proxy-input")).not.toBeInTheDocument();
    expect(document.body.textContent).not.toContain("proxy.example.com");
    expect(document.body.textContent).not.toContain("s3cret");
    expect((await api.listProjects())[0].bot?.proxied).toBe(true);
  });

  it("shows the engine's refusal of a malformed proxy and connects nothing", async () => {
    const backend = useMock();
    const connect = vi.spyOn(backend.commands, "connectBot");
    const project = await api.createProject({ name: "Shop", language: "en" });
    const { user, section } = await showProject();

    await user.type(within(section).getByTestId("bot-token-input"), VALID_TOKEN);
    await user.type(within(section).getByTestId("bot-proxy-input"), "proxy.example.com:1080");
    await user.click(within(section).getByTestId("bot-connect"));
    expect(connect).toHaveBeenCalledWith(project.id, {
      token: VALID_TOKEN,
      apiUrl: null,
      proxy: "proxy.example.com:1080",
    });
    expect(await within(section).findByTestId("bot-error")).toHaveTextContent(PROXY_REFUSAL);
    expect(within(section).queryByTestId("bot-username")).not.toBeInTheDocument();
    expect(section).toHaveAttribute("data-connected", "false");
    // What was typed stays, to be corrected.
    expect(within(section).getByTestId("bot-proxy-input")).toHaveValue("proxy.example.com:1080");
    expect((await api.listProjects())[0].bot).toBeNull();
  });

  it("refuses the proxies the engine refuses", async () => {
    const backend = useMock();
    const project = await api.createProject({ name: "Shop", language: "en" });
    const connect = (proxy: string) =>
      backend.commands.connectBot(project.id, { token: VALID_TOKEN, apiUrl: null, proxy });
    for (const bad of ["ftp://host:21", "socks5://host", "host:1080", "socks5://:1080"]) {
      expect(await connect(bad), bad).toMatchObject({
        status: "error",
        error: { code: "invalid_input", message: PROXY_REFUSAL },
      });
    }
    for (const good of ["socks5h://host:1080", "http://user:pw@host:3128", "https://host", "   "]) {
      expect(await connect(good), good).toMatchObject({ status: "ok" });
    }
    // A blank proxy is none.
    expect((await api.listProjects())[0].bot?.proxied).toBe(false);
  });

  it("connecting again without a proxy removes it", async () => {
    const backend = useMock();
    const project = await api.createProject({ name: "Shop", language: "en" });
    await api.connectBot(project.id, { token: VALID_TOKEN, apiUrl: null, proxy: PROXY });
    const connect = vi.spyOn(backend.commands, "connectBot");
    const { user, section } = await showProject();
    expect(await within(section).findByTestId("bot-proxied")).toHaveTextContent("Through a proxy");
    await waitFor(() => expect(within(section).getByTestId("bot-state")).toHaveAttribute("data-state", "online"));

    // A working bot is connected again from a folded form.
    expect(within(section).queryByTestId("bot-token-input")).not.toBeInTheDocument();
    await user.click(within(section).getByText("Connect again (new token or proxy)"));
    const token = await within(section).findByTestId("bot-token-input");
    // The bot has a proxy: its options are open, and the hint says how to remove it.
    expect(within(section).getByTestId("bot-connection-options")).toHaveAttribute("open");
    expect(within(section).getByTestId("bot-proxy-input")).toHaveValue("");
    expect(within(section).getByTestId("bot-proxy-hint")).toHaveTextContent(
      "leave this field empty to connect without it",
    );

    await user.type(token, VALID_TOKEN);
    await user.click(within(section).getByTestId("bot-connect"));
    expect(connect).toHaveBeenCalledWith(project.id, { token: VALID_TOKEN, apiUrl: null, proxy: null });
    await waitFor(() => expect(within(section).queryByTestId("bot-proxied")).not.toBeInTheDocument());
    expect(within(section).getByTestId("bot-username")).toHaveTextContent("@demo_shop_bot");
    expect(within(section).queryByTestId("bot-token-input")).not.toBeInTheDocument();
    expect((await api.listProjects())[0].bot?.proxied).toBe(false);
  });

  it("keeps the bot's own server when it is connected again", async () => {
    const backend = useMock();
    const project = await api.createProject({ name: "Shop", language: "en" });
    await api.connectBot(project.id, { token: VALID_TOKEN, apiUrl: "https://bots.example.com", proxy: null });
    const connect = vi.spyOn(backend.commands, "connectBot");
    const { user, section } = await showProject();
    await user.click(await within(section).findByText("Connect again (new token or proxy)"));
    expect(within(section).getByTestId("bot-connection-options")).toHaveAttribute("open");
    expect(within(section).getByTestId("bot-api-url-input")).toHaveValue("https://bots.example.com");
    expect(within(section).getByTestId("bot-proxy-hint")).not.toHaveTextContent("leave this field empty");
    await user.type(within(section).getByTestId("bot-token-input"), VALID_TOKEN);
    await user.type(within(section).getByTestId("bot-proxy-input"), "http://proxy.example.com:3128");
    await user.click(within(section).getByTestId("bot-connect"));
    expect(connect).toHaveBeenCalledWith(project.id, {
      token: VALID_TOKEN,
      apiUrl: "https://bots.example.com",
      proxy: "http://proxy.example.com:3128",
    });
    expect(await within(section).findByTestId("bot-proxied")).toHaveTextContent("Through a proxy");
  });

  it("offers the proxy when the token is rejected, open for a proxied bot", async () => {
    const backend = useMock();
    const project = await api.createProject({ name: "Shop", language: "en" });
    await api.connectBot(project.id, { token: VALID_TOKEN, apiUrl: null, proxy: PROXY });
    const { section } = await showProject();
    await within(section).findByTestId("bot-proxied");
    backend.setBotState(project.id, "unauthorized", "Unauthorized");
    await waitFor(() => expect(within(section).getByTestId("bot-state")).toHaveAttribute("data-state", "unauthorized"));
    expect(within(section).getByTestId("bot-token-input")).toBeInTheDocument();
    expect(within(section).getByTestId("bot-connection-options")).toHaveAttribute("open");
    expect(within(section).queryByTestId("bot-reconnect")).not.toBeInTheDocument();
  });

  it("speaks Russian", async () => {
    useMock();
    await i18n.changeLanguage("ru");
    const project = await api.createProject({ name: "Shop", language: "ru" });
    await api.connectBot(project.id, { token: VALID_TOKEN, apiUrl: null, proxy: PROXY });
    const { section } = await showProject();
    expect(await within(section).findByTestId("bot-proxied")).toHaveTextContent("Через прокси");
    expect(within(section).getByTestId("bot-reconnect")).toHaveTextContent(
      "Подключить заново (новый токен или прокси)",
    );
  });
});
