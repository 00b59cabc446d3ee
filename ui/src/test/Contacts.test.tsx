import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend } from "../api";
import { createMockBackend, type MockBackend } from "../mock";
import App from "../App";

function useMock(): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, avitoStartMs: 20 });
  setBackend(backend);
  return backend;
}

const rows = () => screen.queryAllByTestId("conversation-row");

async function openConversation(name: string) {
  const user = userEvent.setup();
  render(<App />);
  await waitFor(() => expect(rows()).toHaveLength(6));
  await user.click(rows().find((r) => r.textContent?.includes(name))!);
  await screen.findByTestId("thread");
  const panel = await screen.findByTestId("contact-panel");
  return { user, panel };
}

/** The contact id of a conversation's customer, as the engine has it. */
async function contactOf(name: string) {
  const page = await api.listConversations({ offset: 0, limit: 100 });
  return page.items.find((c) => c.contactName === name)!.contactId;
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("contact panel", () => {
  it("labels every identity, the Avito user among them", async () => {
    useMock();
    const { panel } = await openConversation("Maria Sokolova");
    const identity = within(panel).getAllByTestId("identity").find((i) => i.dataset.kind === "avito_user")!;
    expect(identity).toHaveTextContent("Avito user ID");
    expect(identity).toHaveTextContent("248 113 907");
  });
});

describe("merging contacts", () => {
  it("finds the other contact, asks first, merges it into this one and shows the result", async () => {
    const backend = useMock();
    const search = vi.spyOn(backend.commands, "searchContacts");
    const merge = vi.spyOn(backend.commands, "mergeContacts");
    const getConversation = vi.spyOn(backend.commands, "getConversation");
    const maria = await contactOf("Maria Sokolova");
    const { user, panel } = await openConversation("Maria Sokolova");
    expect(within(panel).queryByText("@maria_sok")).not.toBeInTheDocument();

    await user.click(within(panel).getByTestId("contact-merge"));
    const dialog = await screen.findByTestId("merge-dialog");
    expect(dialog).toHaveTextContent("It joins “Maria Sokolova”");
    // Before anything is typed, the most recent contacts, without this one.
    await waitFor(() => expect(within(dialog).getAllByTestId("merge-match").length).toBeGreaterThan(0));
    expect(search).toHaveBeenCalledWith("");
    const shownIds = () => within(dialog).queryAllByTestId("merge-match").map((m) => Number(m.dataset.contactId));
    expect(shownIds()).not.toContain(maria);

    await user.type(within(dialog).getByTestId("merge-search"), "sokolova");
    await waitFor(() => expect(within(dialog).getAllByTestId("merge-match")).toHaveLength(1));
    // One search for the word, not one per keystroke.
    expect(search.mock.calls.map(([text]) => text)).toEqual(["", "sokolova"]);
    const match = within(dialog).getByTestId("merge-match");
    expect(match).toHaveTextContent("Maria S.");
    expect(match).toHaveTextContent("m.sokolova@example.ru");
    expect(match).toHaveTextContent("Conversations: 0");
    const other = Number(match.dataset.contactId);
    expect(other).not.toBe(maria);

    await user.click(match);
    const confirm = within(dialog).getByTestId("merge-confirm");
    expect(confirm).toHaveTextContent("Merge “Maria S.” into “Maria Sokolova”?");
    expect(confirm).toHaveTextContent("Conversations and channel identities of Maria S. move to Maria Sokolova");
    expect(merge).not.toHaveBeenCalled();

    const loads = getConversation.mock.calls.length;
    await user.click(within(dialog).getByTestId("merge-confirm-button"));
    expect(merge).toHaveBeenCalledWith(maria, other);
    await waitFor(() => expect(screen.queryByTestId("merge-dialog")).not.toBeInTheDocument());
    // The conversation is read again: the merged contact's identities and e-mail are here now.
    await waitFor(() => expect(getConversation.mock.calls.length).toBeGreaterThan(loads));
    const merged = await screen.findByTestId("contact-panel");
    await waitFor(() => expect(merged).toHaveTextContent("@maria_sok"));
    expect(merged).toHaveTextContent("m.sokolova@example.ru");
    expect(merged).toHaveTextContent("248 113 907");
  });

  it("offers the contact with the same phone and merges it after asking", async () => {
    const backend = useMock();
    const merge = vi.spyOn(backend.commands, "mergeContacts");
    const maria = await contactOf("Maria Sokolova");
    const others = (await api.searchContacts("m.sokolova@example.ru")).filter((m) => m.id !== maria);
    expect(others).toHaveLength(1);
    const samePhone = vi
      .spyOn(backend.commands, "samePhoneContacts")
      .mockImplementation(async (id: number) => ({ status: "ok", data: id === maria ? others : [] }));
    const { user, panel } = await openConversation("Maria Sokolova");
    const offer = await within(panel).findByTestId("same-phone");
    expect(samePhone).toHaveBeenCalledWith(maria);
    expect(offer).toHaveTextContent("Same phone");
    expect(within(offer).getByTestId("same-phone-item")).toHaveTextContent("Maria S.");
    expect(merge).not.toHaveBeenCalled();

    await user.click(within(offer).getByTestId("same-phone-merge"));
    const dialog = await screen.findByTestId("merge-dialog");
    expect(within(dialog).getByTestId("merge-confirm")).toHaveTextContent("Merge “Maria S.” into “Maria Sokolova”?");
    await user.click(within(dialog).getByTestId("merge-confirm-button"));
    expect(merge).toHaveBeenCalledWith(maria, others[0].id);
    await waitFor(() => expect(screen.queryByTestId("merge-dialog")).not.toBeInTheDocument());
  });

  it("goes back to the results, and closes without merging", async () => {
    const backend = useMock();
    const merge = vi.spyOn(backend.commands, "mergeContacts");
    const { user, panel } = await openConversation("Maria Sokolova");
    await user.click(within(panel).getByTestId("contact-merge"));
    const dialog = await screen.findByTestId("merge-dialog");
    await user.type(within(dialog).getByTestId("merge-search"), "Igor");
    await waitFor(() => expect(within(dialog).getAllByTestId("merge-match")).toHaveLength(1));
    await user.click(within(dialog).getByTestId("merge-match"));
    await user.click(within(dialog).getByRole("button", { name: "Back" }));
    expect(within(dialog).getByTestId("merge-match")).toHaveTextContent("Igor Petrov");

    await user.type(within(dialog).getByTestId("merge-search"), "{Escape}");
    expect(screen.queryByTestId("merge-dialog")).not.toBeInTheDocument();
    expect(merge).not.toHaveBeenCalled();
  });

  it("says when nothing matches, and shows the engine's refusal", async () => {
    const backend = useMock();
    backend.failNext("mergeContacts", { code: "invalid_input", message: "contact 7 was merged into another one already" });
    const { user, panel } = await openConversation("Maria Sokolova");
    await user.click(within(panel).getByTestId("contact-merge"));
    const dialog = await screen.findByTestId("merge-dialog");
    await user.type(within(dialog).getByTestId("merge-search"), "nobody at all");
    expect(await within(dialog).findByText("No other contact matches.")).toBeInTheDocument();

    await user.clear(within(dialog).getByTestId("merge-search"));
    await user.type(within(dialog).getByTestId("merge-search"), "Maria S");
    await waitFor(() => expect(within(dialog).getAllByTestId("merge-match")).toHaveLength(1));
    await user.click(within(dialog).getByTestId("merge-match"));
    await user.click(within(dialog).getByTestId("merge-confirm-button"));
    expect(await within(dialog).findByTestId("merge-error")).toHaveTextContent(
      "contact 7 was merged into another one already",
    );
    expect(screen.getByTestId("merge-dialog")).toBeInTheDocument();
  });
});
