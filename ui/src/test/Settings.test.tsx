import { beforeEach, describe, expect, it } from "vitest";
import { act, cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend } from "../api";
import { createMockBackend, type MockBackend } from "../mock";
import App from "../App";

function useMock(): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50 });
  setBackend(backend);
  return backend;
}

async function openSettings(user: ReturnType<typeof userEvent.setup>) {
  render(<App />);
  await user.click(screen.getByTestId("nav-settings"));
  return screen.findByTestId("settings-view");
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("the Settings screen", () => {
  it("opens from the gear in the top bar and shows where the data is", async () => {
    useMock();
    const user = userEvent.setup();
    await openSettings(user);
    expect(screen.getByTestId("nav-settings")).toHaveAttribute("aria-current", "page");
    expect(await screen.findByTestId("settings-data-dir")).toHaveTextContent("(in memory)");
    expect(screen.getByTestId("settings-version")).toHaveTextContent("0.1.0");
    expect(screen.getByTestId("settings-lan-status")).toHaveTextContent("Off");
  });

  it("opens when the tray's Settings… is chosen", async () => {
    const backend = useMock();
    render(<App />);
    await screen.findByTestId("conversation-list");
    act(() => backend.emitShell({ type: "open_settings" }));
    expect(await screen.findByTestId("settings-view")).toBeInTheDocument();
  });

  it("keeps the language it was set to and shows it again after a restart", async () => {
    useMock();
    const user = userEvent.setup();
    const view = await openSettings(user);
    await user.selectOptions(await within(view).findByTestId("settings-language"), "ru");
    expect(await screen.findByRole("heading", { name: "Настройки" })).toBeInTheDocument();
    expect((await api.appSettings()).language).toBe("ru");

    // A new window on the same engine, whose own idea of the language is English.
    cleanup();
    await i18n.changeLanguage("en");
    render(<App />);
    await waitFor(() => expect(i18n.language).toBe("ru"));
    expect(await screen.findByTestId("nav-settings")).toHaveAttribute("title", "Настройки");
  });

  it("turns notifications off, and follows the tray when it turns them on again", async () => {
    useMock();
    const user = userEvent.setup();
    await openSettings(user);
    const box = await screen.findByTestId("settings-notifications");
    expect(box).toBeChecked();
    await user.click(box);
    await waitFor(() => expect(screen.getByTestId("settings-notifications")).not.toBeChecked());
    expect(await api.notificationsEnabled()).toBe(false);
    // The tray's check item calls the same command; the engine says so.
    await act(async () => {
      await api.setNotificationsEnabled(true);
    });
    await waitFor(() => expect(screen.getByTestId("settings-notifications")).toBeChecked());
  });

  it("turns start at login on, and shows what the tray changed", async () => {
    const backend = useMock();
    const user = userEvent.setup();
    await openSettings(user);
    await user.click(await screen.findByTestId("settings-start-at-login"));
    await waitFor(() => expect(screen.getByTestId("settings-start-at-login")).toBeChecked());
    expect(await api.startAtLogin()).toBe(true);
    await api.setStartAtLogin(false);
    act(() => backend.emitShell({ type: "settings_changed" }));
    await waitFor(() => expect(screen.getByTestId("settings-start-at-login")).not.toBeChecked());
  });

  it("turns the LAN endpoint on, shows a refused address without changing anything, and turns it off", async () => {
    const backend = useMock();
    const user = userEvent.setup();
    await openSettings(user);
    const address = await screen.findByTestId("settings-lan-address");
    expect(address).toHaveValue("0.0.0.0:8787");
    await user.click(screen.getByTestId("settings-lan-save"));
    await waitFor(() => expect(screen.getByTestId("settings-lan-status")).toHaveTextContent("Listening on 0.0.0.0:8787"));
    expect(screen.getByTestId("settings-lan")).toHaveAttribute("data-on", "true");

    backend.failNext("setLanEndpoint", {
      code: "invalid_input",
      message: "the LAN endpoint cannot listen on 0.0.0.0:80: Permission denied (os error 13)",
    });
    await user.clear(screen.getByTestId("settings-lan-address"));
    await user.type(screen.getByTestId("settings-lan-address"), "0.0.0.0:80");
    await user.click(screen.getByTestId("settings-lan-save"));
    expect(await screen.findByTestId("settings-lan-error")).toHaveTextContent("Permission denied");
    expect(screen.getByTestId("settings-lan-status")).toHaveTextContent("Listening on 0.0.0.0:8787");
    expect((await api.appSettings()).lan.listen).toBe("0.0.0.0:8787");

    await user.click(screen.getByTestId("settings-lan-off"));
    await waitFor(() => expect(screen.getByTestId("settings-lan-status")).toHaveTextContent("Off"));
    expect((await api.appSettings()).lan.listen).toBeNull();
  });

  it("changes how much the logs say", async () => {
    useMock();
    const user = userEvent.setup();
    await openSettings(user);
    await user.selectOptions(await screen.findByTestId("settings-log-level"), "debug");
    await waitFor(() => expect(screen.getByTestId("settings-log-level")).toHaveValue("debug"));
    expect((await api.appSettings()).logLevel).toBe("debug");
  });

  it("says a build without an update feed is updated by its package manager", async () => {
    useMock();
    const user = userEvent.setup();
    await openSettings(user);
    expect(await screen.findByTestId("settings-update-status")).toHaveTextContent("package manager");
    expect(screen.queryByTestId("settings-update-check")).not.toBeInTheDocument();
  });

  it("shows a newer version with its notes, and a refused install", async () => {
    const backend = useMock();
    const available = {
      enabled: true,
      current: "0.1.0",
      checking: false,
      checkedAt: Date.UTC(2026, 11, 5, 9, 0),
      available: { version: "9.9.9", notes: "Replies can be scheduled." },
      installing: false,
      error: null,
    };
    backend.answerNext("updateStatus", available);
    backend.failNext("installUpdate", {
      code: "unavailable",
      message: "the update was not installed: the signature does not match",
    });
    const user = userEvent.setup();
    await openSettings(user);
    expect(await screen.findByTestId("settings-update-status")).toHaveTextContent("Tuberry 9.9.9 is available.");
    expect(screen.getByTestId("settings-update-notes")).toHaveTextContent("Replies can be scheduled.");
    await user.click(screen.getByTestId("settings-update-install"));
    expect(await screen.findByTestId("settings-update-error")).toHaveTextContent("signature does not match");
  });
});
