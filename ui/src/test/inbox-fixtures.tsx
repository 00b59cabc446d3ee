// What the inbox's tests share: an in-memory engine that answers quickly, a
// window that starts afresh, the list's rows by the customer's name, and the
// window opened on the inbox or on a customer's conversation.
import { expect } from "vitest";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { setBackend } from "../api";
import { createMockBackend, type MockBackend, type MockOptions } from "../mock";
import App from "../App";

export type User = ReturnType<typeof userEvent.setup>;

/** The in-memory engine, in English unless told, its replies "sent" 30 ms after they go. */
export function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 30, ...options });
  setBackend(backend);
  return backend;
}

/** Nothing remembered from the test before, in English (for `beforeEach`). */
export async function freshWindow() {
  localStorage.clear();
  await i18n.changeLanguage("en");
}

export const rows = () => screen.queryAllByTestId("conversation-row");
export const rowNames = () => rows().map((r) => r.querySelector(".row-name")?.textContent);
export const rowOf = (name: string) => rows().find((r) => r.querySelector(".row-name")?.textContent === name)!;

/** The window on the inbox, once the list shows `expected` conversations. */
export async function renderInbox(expected = 6): Promise<User> {
  const user = userEvent.setup();
  render(<App />);
  await waitFor(() => expect(rows()).toHaveLength(expected));
  return user;
}

/** The window with the customer's conversation open. */
export async function openConversation(name: string) {
  const user = userEvent.setup();
  render(<App />);
  await waitFor(() => expect(rowOf(name)).toBeDefined());
  await user.click(rowOf(name));
  const thread = await screen.findByTestId("thread");
  return { user, thread };
}

/** The customer's conversation open, its composer empty and ready. */
export async function openComposer(name: string) {
  const { user, thread } = await openConversation(name);
  const input = screen.getByTestId("composer-input");
  // Unsent text stays per conversation while the window is open (here: from the test before).
  await user.clear(input);
  return { user, thread, input, conversationId: Number(thread.dataset.conversationId) };
}
