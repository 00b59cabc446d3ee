import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, render, screen, waitFor } from "@testing-library/react";
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

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("what a clicked notification opens", () => {
  it("opens the conversation it was about, from another view too", async () => {
    const backend = useMock();
    const user = userEvent.setup();
    render(<App />);
    const page = await api.listConversations({ status: null, channel: null, search: null, offset: 0, limit: 10 });
    const target = page.items[2];
    await user.click(screen.getByTestId("nav-projects"));
    act(() => backend.emitShell({ type: "open_conversation", conversation_id: target.id }));
    const thread = await screen.findByTestId("thread");
    await waitFor(() => expect(thread.dataset.conversationId).toBe(String(target.id)));
    expect(screen.getByTestId("thread")).toHaveTextContent(target.contactName);
  });

  it("opens the Accounts view for a broken account", async () => {
    const backend = useMock();
    render(<App />);
    await screen.findByTestId("conversation-list");
    act(() => backend.emitShell({ type: "open_accounts" }));
    expect(await screen.findByTestId("accounts-view")).toBeInTheDocument();
  });
});

describe("telling the shell what is in view", () => {
  it("says which conversation is open, none outside the inbox, and when its composer is typed in", async () => {
    useMock();
    const attention = vi.spyOn(api, "setAttention");
    const user = userEvent.setup();
    render(<App />);
    const rows = await screen.findAllByTestId("conversation-row");
    await user.click(rows[0]);
    const thread = await screen.findByTestId("thread");
    const id = Number(thread.dataset.conversationId);
    await waitFor(() => expect(attention).toHaveBeenLastCalledWith(id, false));
    await user.type(screen.getByRole("textbox", { name: /reply/i }), "Hi");
    expect(attention).toHaveBeenCalledWith(id, true);
    // Typing is told at most every few seconds, not per key.
    expect(attention.mock.calls.filter(([, typing]) => typing)).toHaveLength(1);
    await user.click(screen.getByTestId("nav-projects"));
    await waitFor(() => expect(attention).toHaveBeenLastCalledWith(null, false));
    attention.mockRestore();
  });
});
