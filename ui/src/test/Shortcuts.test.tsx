import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { ShortcutsSheet, shortcutGroups } from "../components/ShortcutsSheet";
import { isTextField, keymap, type KeyPress, type ShortcutContext } from "../useShortcuts";
import { freshWindow, renderInbox, rows, useMock, type User } from "./inbox-fixtures";

/** The in-memory engine, its replies "sent" 120 ms after they go. */
const useSlowMock = () => useMock({ deliveryDelayMs: 120 });
const selectedRow = () => rows().find((r) => r.getAttribute("aria-selected") === "true");
const openId = () => screen.queryByTestId("thread")?.getAttribute("data-conversation-id");

/** Clicks the row and waits until its conversation is open. */
async function open(user: User, index: number) {
  const row = rows()[index];
  await user.click(row);
  await waitFor(() => expect(openId()).toBe(row.dataset.conversationId));
}

beforeEach(freshWindow);

describe("keymap", () => {
  const inbox: ShortcutContext = { editing: false, inbox: true, sheetOpen: false };
  const typing: ShortcutContext = { ...inbox, editing: true };
  const press = (key: string, rest: Partial<KeyPress> = {}): KeyPress => ({ key, ...rest });

  it("moves through the conversations with J/K and Alt+↓/Alt+↑", () => {
    expect(keymap(press("j"), inbox)).toBe("next");
    expect(keymap(press("k"), inbox)).toBe("previous");
    expect(keymap(press("ArrowDown", { altKey: true }), inbox)).toBe("next");
    expect(keymap(press("ArrowUp", { altKey: true }), inbox)).toBe("previous");
    // The plain arrows stay the list's own (it moves the selection itself).
    expect(keymap(press("ArrowDown"), inbox)).toBeNull();
  });

  it("leaves a J typed in a text field alone, and Alt+↓ too", () => {
    expect(keymap(press("j"), typing)).toBeNull();
    expect(keymap(press("k"), typing)).toBeNull();
    expect(keymap(press("ArrowDown", { altKey: true }), typing)).toBeNull();
    expect(keymap(press("e"), typing)).toBeNull();
    expect(keymap(press("r"), typing)).toBeNull();
    expect(isTextField(document.createElement("textarea"))).toBe(true);
    expect(isTextField(document.createElement("input"))).toBe(true);
    const editable = document.createElement("div");
    editable.contentEditable = "true";
    // jsdom does not compute isContentEditable; a browser does.
    Object.defineProperty(editable, "isContentEditable", { value: true });
    expect(isTextField(editable)).toBe(true);
    const checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    expect(isTextField(checkbox)).toBe(false);
    expect(isTextField(document.createElement("button"))).toBe(false);
  });

  it("closes the conversation with E, writes with R, searches with /", () => {
    expect(keymap(press("e"), inbox)).toBe("closeConversation");
    expect(keymap(press("r"), inbox)).toBe("focusComposer");
    expect(keymap(press("/"), inbox)).toBe("focusSearch");
    // In a field, / is typed: the composer will use it for quick replies.
    expect(keymap(press("/"), typing)).toBeNull();
  });

  it("leaves the browser's and the system's shortcuts and Shift+letters alone", () => {
    expect(keymap(press("r", { ctrlKey: true }), inbox)).toBeNull();
    expect(keymap(press("r", { metaKey: true }), inbox)).toBeNull();
    expect(keymap(press("e", { altKey: true }), inbox)).toBeNull();
    expect(keymap(press("J", { shiftKey: true }), inbox)).toBeNull();
    expect(keymap(press("/", { ctrlKey: true }), inbox)).toBeNull();
    expect(keymap(press("j", { isComposing: true }), inbox)).toBeNull();
  });

  it("opens the sheet with ?, anywhere but in a text field, and Escape closes it", () => {
    expect(keymap(press("?", { shiftKey: true, code: "Slash" }), inbox)).toBe("openSheet");
    expect(keymap(press("?", { shiftKey: true }), { ...inbox, inbox: false })).toBe("openSheet");
    expect(keymap(press("?", { shiftKey: true }), typing)).toBeNull();
    const sheet = { ...inbox, sheetOpen: true };
    expect(keymap(press("Escape"), sheet)).toBe("closeSheet");
    expect(keymap(press("Escape"), { ...sheet, editing: true })).toBe("closeSheet");
    // With the sheet open, the inbox behind does not move.
    expect(keymap(press("j"), sheet)).toBeNull();
    expect(keymap(press("?"), sheet)).toBeNull();
  });

  it("leaves a text field with Escape; outside one, Escape is not a shortcut", () => {
    expect(keymap(press("Escape"), typing)).toBe("leaveField");
    expect(keymap(press("Escape"), inbox)).toBeNull();
    expect(keymap(press("Escape"), { ...typing, inbox: false })).toBeNull();
  });

  it("does only ? outside the inbox, and nothing while another dialog is open", () => {
    const elsewhere = { ...inbox, inbox: false };
    expect(keymap(press("j"), elsewhere)).toBeNull();
    expect(keymap(press("/"), elsewhere)).toBeNull();
    expect(keymap(press("e"), elsewhere)).toBeNull();
    const dialog = { ...inbox, dialogOpen: true };
    expect(keymap(press("j"), dialog)).toBeNull();
    expect(keymap(press("?"), dialog)).toBeNull();
    expect(keymap(press("Escape"), { ...dialog, editing: true })).toBeNull();
  });

  it("works with the Russian layout on, by the keys' places", () => {
    expect(keymap(press("о", { code: "KeyJ" }), inbox)).toBe("next");
    expect(keymap(press("л", { code: "KeyK" }), inbox)).toBe("previous");
    expect(keymap(press("у", { code: "KeyE" }), inbox)).toBe("closeConversation");
    expect(keymap(press("к", { code: "KeyR" }), inbox)).toBe("focusComposer");
    expect(keymap(press(".", { code: "Slash" }), inbox)).toBe("focusSearch");
    expect(keymap(press(",", { code: "Slash", shiftKey: true }), inbox)).toBe("openSheet");
    expect(keymap(press("о", { code: "KeyJ" }), typing)).toBeNull();
    // A full stop on its own key is not a slash.
    expect(keymap(press(".", { code: "Period" }), inbox)).toBeNull();
  });
});

describe("keyboard shortcuts in the inbox", () => {
  it("opens the next and the previous conversation with J and K, and with Alt+↓ and Alt+↑", async () => {
    useSlowMock();
    const user = await renderInbox();
    // Nothing open: J opens the first.
    await user.keyboard("j");
    await waitFor(() => expect(openId()).toBe(rows()[0].dataset.conversationId));
    await user.keyboard("j");
    await waitFor(() => expect(selectedRow()).toBe(rows()[1]));
    await waitFor(() => expect(openId()).toBe(rows()[1].dataset.conversationId));
    await user.keyboard("j");
    await waitFor(() => expect(openId()).toBe(rows()[2].dataset.conversationId));
    await user.keyboard("k");
    await waitFor(() => expect(openId()).toBe(rows()[1].dataset.conversationId));
    await user.keyboard("{Alt>}{ArrowDown}{/Alt}");
    await waitFor(() => expect(openId()).toBe(rows()[2].dataset.conversationId));
    await user.keyboard("{Alt>}{ArrowUp}{/Alt}");
    await user.keyboard("{Alt>}{ArrowUp}{/Alt}");
    await waitFor(() => expect(openId()).toBe(rows()[0].dataset.conversationId));
    // At the top it stays at the top.
    await user.keyboard("k");
    await waitFor(() => expect(selectedRow()).toBe(rows()[0]));
    expect(openId()).toBe(rows()[0].dataset.conversationId);
  });

  it("types J in the composer instead of moving", async () => {
    useSlowMock();
    const user = await renderInbox();
    await open(user, 0);
    const input = screen.getByTestId("composer-input");
    await user.type(input, "jk");
    expect(input).toHaveValue("jk");
    expect(selectedRow()).toBe(rows()[0]);
    expect(openId()).toBe(rows()[0].dataset.conversationId);
    // Drafts are kept per conversation while the window is open: leave none for the next test.
    await user.clear(input);
  });

  it("puts the cursor in the search with /, its text selected; Escape clears it, then leaves", async () => {
    useSlowMock();
    const user = await renderInbox();
    const search = screen.getByTestId("search-input") as HTMLInputElement;
    await user.keyboard("/");
    expect(search).toHaveFocus();
    // The slash is not typed.
    expect(search).toHaveValue("");
    await user.keyboard("vector");
    await waitFor(() => expect(rows()).toHaveLength(1));

    await user.click(document.body);
    expect(search).not.toHaveFocus();
    await user.keyboard("/");
    expect(search).toHaveFocus();
    expect([search.selectionStart, search.selectionEnd]).toEqual([0, "vector".length]);

    await user.keyboard("{Escape}");
    expect(search).toHaveValue("");
    expect(search).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(search).not.toHaveFocus();
    // Out of the field, J moves again.
    await waitFor(() => expect(rows()).toHaveLength(6));
    await user.keyboard("j");
    await waitFor(() => expect(openId()).toBe(rows()[0].dataset.conversationId));
  });

  it("goes from the search to the results with Enter, where J opens the first found", async () => {
    useSlowMock();
    const user = await renderInbox();
    await user.keyboard("/");
    await user.keyboard("vector");
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.keyboard("{Enter}");
    expect(screen.getByTestId("conversation-list")).toHaveFocus();
    expect(screen.getByTestId("search-input")).toHaveValue("vector");
    await user.keyboard("j");
    await waitFor(() => expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Vector LLC"));
  });

  it("writes with R, leaves the composer with Escape, and sends with Ctrl+Enter as with Enter", async () => {
    const backend = useSlowMock();
    const sendReply = vi.spyOn(backend.commands, "sendReply");
    const user = await renderInbox();
    await open(user, 0);
    const input = screen.getByTestId("composer-input");
    expect(input).not.toHaveFocus();
    await user.keyboard("r");
    expect(input).toHaveFocus();
    // The R is not typed.
    expect(input).toHaveValue("");
    await user.keyboard("Hello");
    await user.keyboard("{Escape}");
    expect(input).not.toHaveFocus();
    expect(input).toHaveValue("Hello");

    await user.keyboard("r");
    expect(input).toHaveFocus();
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(sendReply).toHaveBeenCalledWith(Number(rows()[0].dataset.conversationId), "Hello", [], null, null);
    await waitFor(() => expect(input).toHaveValue(""));
  });

  it("does nothing with R or E when no conversation is open", async () => {
    const backend = useSlowMock();
    const setStatus = vi.spyOn(backend.commands, "setConversationStatus");
    const user = await renderInbox();
    await user.keyboard("re");
    expect(screen.queryByTestId("thread")).not.toBeInTheDocument();
    expect(setStatus).not.toHaveBeenCalled();
    expect(screen.getByTestId("search-input")).toHaveValue("");
  });

  it("closes the open conversation with E, as its Close button does", async () => {
    const backend = useSlowMock();
    const setStatus = vi.spyOn(backend.commands, "setConversationStatus");
    const user = await renderInbox();
    await open(user, 0);
    const id = Number(openId());
    await user.keyboard("e");
    await waitFor(() => expect(screen.getByTestId("status-pill")).toHaveTextContent("Closed"));
    expect(setStatus).toHaveBeenCalledWith(id, "closed");
    expect(screen.getByTestId("status-reopen")).toBeInTheDocument();
    // Closed already: E does not reopen it.
    await user.keyboard("e");
    expect(setStatus).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("status-pill")).toHaveTextContent("Closed");
  });

  it("shows the shortcuts with ?, closes them with Escape and puts the cursor back", async () => {
    useSlowMock();
    const user = await renderInbox();
    await open(user, 0);
    const input = screen.getByTestId("composer-input");
    // ? typed in the composer is a question mark.
    await user.type(input, "Why?");
    expect(input).toHaveValue("Why?");
    await user.clear(input);
    expect(screen.queryByTestId("shortcuts-sheet")).not.toBeInTheDocument();

    const first = rows()[0];
    const list = screen.getByTestId("conversation-list");
    list.focus();
    await user.keyboard("?");
    const sheet = await screen.findByTestId("shortcuts-sheet");
    expect(sheet).toHaveAttribute("role", "dialog");
    expect(sheet).toHaveAttribute("aria-modal", "true");
    expect(within(sheet).getByRole("heading", { level: 2 })).toHaveTextContent("Keyboard shortcuts");
    expect(within(sheet).getByTestId("shortcuts-close")).toHaveFocus();
    // The inbox behind does not move while the sheet is open.
    await user.keyboard("j");
    await user.keyboard("{ArrowDown}");
    expect(selectedRow()).toBe(first);

    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("shortcuts-sheet")).not.toBeInTheDocument();
    expect(list).toHaveFocus();
    expect(selectedRow()).toBe(first);
  });

  it("opens the shortcuts from the top bar's button, anywhere, and closes them with its close button", async () => {
    useSlowMock();
    const user = await renderInbox();
    const button = screen.getByTestId("shortcuts-open");
    expect(button).toHaveAttribute("title", "Keyboard shortcuts (?)");
    expect(button).toHaveAccessibleName("Keyboard shortcuts");
    await user.click(button);
    const sheet = await screen.findByTestId("shortcuts-sheet");
    await user.click(within(sheet).getByTestId("shortcuts-close"));
    expect(screen.queryByTestId("shortcuts-sheet")).not.toBeInTheDocument();
    expect(button).toHaveFocus();

    // In another view, ? works; the inbox's keys do not.
    await user.click(screen.getByTestId("nav-dashboard"));
    await user.keyboard("?");
    expect(await screen.findByTestId("shortcuts-sheet")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("shortcuts-sheet")).not.toBeInTheDocument();
  });
});

describe("shortcuts sheet", () => {
  const keysOf = (action: string) =>
    within(screen.getAllByTestId("shortcut").find((s) => s.dataset.action === action)!)
      .getAllByText((_, el) => el?.tagName === "KBD")
      .map((k) => k.textContent);

  it("lists every shortcut with its keys, in three groups, in English", () => {
    render(<ShortcutsSheet onClose={() => {}} />);
    const groups = screen.getAllByTestId("shortcuts-group");
    expect(groups.map((g) => within(g).getByRole("heading", { level: 3 }).textContent)).toEqual([
      "Conversations",
      "Writing",
      "General",
    ]);
    const conversations = within(groups[0]).getAllByTestId("shortcut");
    expect(conversations[0]).toHaveTextContent("Next conversation");
    expect(keysOf("next")).toEqual(["J", "Alt", "↓", "↓"]);
    expect(conversations[0]).toHaveTextContent("or");
    expect(keysOf("closeConversation")).toEqual(["E"]);
    expect(keysOf("search")).toEqual(["/"]);
    expect(keysOf("reply")).toEqual(["R"]);
    expect(keysOf("send")).toEqual(["Enter", "Ctrl", "Enter"]);
    expect(keysOf("showSheet")).toEqual(["?"]);
    expect(keysOf("closeSheet")).toEqual(["Esc"]);
    // Every shortcut the sheet lists has its words.
    const listed = shortcutGroups(false).flatMap((g) => g.shortcuts.map((s) => s.action));
    expect(screen.getAllByTestId("shortcut").map((s) => s.dataset.action)).toEqual(listed);
    for (const row of screen.getAllByTestId("shortcut")) {
      expect(row.querySelector("dt")!.textContent).not.toMatch(/^shortcuts\./);
    }
    expect(screen.getByTestId("shortcuts-close")).toHaveAccessibleName("Close");
  });

  it("speaks Russian", async () => {
    await i18n.changeLanguage("ru");
    const onClose = vi.fn();
    const user = userEvent.setup();
    render(<ShortcutsSheet onClose={onClose} />);
    const sheet = screen.getByTestId("shortcuts-sheet");
    expect(within(sheet).getByRole("heading", { level: 2 })).toHaveTextContent("Горячие клавиши");
    expect(
      screen.getAllByTestId("shortcuts-group").map((g) => within(g).getByRole("heading", { level: 3 }).textContent),
    ).toEqual(["Диалоги", "Ответ", "Общие"]);
    const next = screen.getAllByTestId("shortcut").find((s) => s.dataset.action === "next")!;
    expect(next).toHaveTextContent("Следующий диалог");
    expect(next).toHaveTextContent("или");
    expect(sheet).toHaveTextContent("Закрыть диалог (отметить завершённым)");
    expect(sheet).not.toHaveTextContent(/Next conversation|Conversations/);
    await user.click(within(sheet).getByRole("button", { name: "Закрыть" }));
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("shows ⌘ and ⌥ on a Mac", () => {
    const mac = shortcutGroups(true).flatMap((g) => g.shortcuts);
    expect(mac.find((s) => s.action === "send")!.combos).toContainEqual(["⌘", "Enter"]);
    expect(mac.find((s) => s.action === "next")!.combos).toContainEqual(["⌥", "↓"]);
  });
});
