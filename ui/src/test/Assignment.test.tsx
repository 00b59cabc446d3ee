import { beforeEach, describe, expect, it } from "vitest";
import { act, render, screen, waitFor, within } from "@testing-library/react";
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

/** The owner, a manager of every project and an operator of one project only. */
async function team(backend: MockBackend) {
  const project = await api.createProject({ name: "Flower shop", language: "en" });
  const owner = backend.joinTeam("Olga Owner", null);
  const everywhere = await api.createInvite({ role: "manager", projectIds: [], maxUses: 1, validHours: 24, label: null });
  const oleg = backend.joinTeam("Oleg", everywhere.invite.id);
  const one = await api.createInvite({
    role: "operator",
    projectIds: [project.id],
    maxUses: 1,
    validHours: 24,
    label: null,
  });
  const vera = backend.joinTeam("Vera", one.invite.id);
  return { owner, oleg, vera };
}

const rows = () => screen.queryAllByTestId("conversation-row");
const rowNames = () => rows().map((r) => r.querySelector(".row-name")?.textContent);
const row = (name: string) => rows().find((r) => r.querySelector(".row-name")?.textContent === name);
const idOf = (name: string) => Number(row(name)!.dataset.conversationId);

async function renderInbox(expected = 6) {
  const user = userEvent.setup();
  render(<App />);
  await waitFor(() => expect(rows()).toHaveLength(expected));
  return user;
}

async function open(user: ReturnType<typeof userEvent.setup>, name: string) {
  await user.click(row(name)!);
  const thread = await screen.findByTestId("thread");
  await waitFor(() => expect(thread).toHaveAttribute("data-conversation-id", String(idOf(name))));
  return thread;
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("assigning conversations", () => {
  it("assigns from the header to one of the project's people; the header and the row say who has it", async () => {
    const backend = useMock();
    const { owner, oleg } = await team(backend);
    const user = await renderInbox();
    const thread = await open(user, "Maria Sokolova");
    const select = await within(thread).findByTestId("assignee-select");
    expect(select).toHaveValue("");
    // Vera works in another project only.
    expect([...(select as HTMLSelectElement).options].map((o) => o.textContent)).toEqual([
      "Nobody",
      "Olga Owner (you)",
      "Oleg",
    ]);
    expect(within(row("Maria Sokolova")!).queryByTestId("row-assignee")).not.toBeInTheDocument();

    await user.selectOptions(select, String(oleg));
    await waitFor(() => expect(within(row("Maria Sokolova")!).getByTestId("row-assignee")).toHaveTextContent("→ Oleg"));
    expect(select).toHaveValue(String(oleg));
    const stored = await api.getConversation(idOf("Maria Sokolova"));
    expect(stored.conversation).toMatchObject({ assigneeId: oleg, assigneeName: "Oleg" });
    // Other rows stay unassigned.
    expect(screen.getAllByTestId("row-assignee")).toHaveLength(1);

    await user.selectOptions(select, String(owner));
    await waitFor(() =>
      expect(within(row("Maria Sokolova")!).getByTestId("row-assignee")).toHaveTextContent("→ Olga Owner"),
    );

    await user.selectOptions(select, "");
    await waitFor(() => expect(within(row("Maria Sokolova")!).queryByTestId("row-assignee")).not.toBeInTheDocument());
    expect(select).toHaveValue("");
    expect((await api.getConversation(idOf("Maria Sokolova"))).conversation.assigneeId).toBeNull();
  });

  it("shows the engine's refusal and keeps the assignee as it was", async () => {
    const backend = useMock();
    const { oleg } = await team(backend);
    const user = await renderInbox();
    const thread = await open(user, "Maria Sokolova");
    backend.failNext("assignConversation", {
      code: "invalid_input",
      message: "Oleg does not work in this conversation's project",
    });
    await user.selectOptions(await within(thread).findByTestId("assignee-select"), String(oleg));
    expect(await screen.findByTestId("thread-error")).toHaveTextContent(
      "Oleg does not work in this conversation's project",
    );
    expect(within(thread).getByTestId("assignee-select")).toHaveValue("");
    expect(within(row("Maria Sokolova")!).queryByTestId("row-assignee")).not.toBeInTheDocument();
  });

  it("shows Nobody again once the assignee is removed from the team", async () => {
    const backend = useMock();
    const { oleg } = await team(backend);
    const user = await renderInbox();
    const thread = await open(user, "Maria Sokolova");
    const select = await within(thread).findByTestId("assignee-select");
    await user.selectOptions(select, String(oleg));
    await waitFor(() => expect(within(row("Maria Sokolova")!).queryByTestId("row-assignee")).toBeInTheDocument());
    await act(() => api.removePerson(oleg));
    await waitFor(() => expect(select).toHaveValue(""));
    await waitFor(() => expect(within(row("Maria Sokolova")!).queryByTestId("row-assignee")).not.toBeInTheDocument());
    expect([...(select as HTMLSelectElement).options].map((o) => o.textContent)).not.toContain("Oleg");
  });

  it("filters the inbox by Mine and Unassigned, following assignments as they change", async () => {
    const backend = useMock();
    const { owner, oleg } = await team(backend);
    const user = await renderInbox();
    const maria = idOf("Maria Sokolova");
    const vector = idOf("Vector LLC");
    const dmitry = idOf("Dmitry Orlov");
    await act(async () => {
      await api.assignConversation(maria, owner);
      await api.assignConversation(vector, oleg);
    });
    const filter = await screen.findByTestId("assignee-filter");

    await user.selectOptions(filter, "mine");
    await waitFor(() => expect(rowNames()).toEqual(["Maria Sokolova"]));
    // Assigned to the owner elsewhere (the work group's /take): the list follows.
    await act(() => api.assignConversation(dmitry, owner));
    await waitFor(() => expect(rowNames()).toEqual(["Maria Sokolova", "Dmitry Orlov"]));
    await act(() => api.assignConversation(maria, oleg));
    await waitFor(() => expect(rowNames()).toEqual(["Dmitry Orlov"]));

    await user.selectOptions(filter, "unassigned");
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rowNames()).not.toContain("Maria Sokolova");
    expect(rowNames()).not.toContain("Vector LLC");
    expect(rowNames()).not.toContain("Dmitry Orlov");
    expect(screen.queryAllByTestId("row-assignee")).toHaveLength(0);
    await act(() => api.assignConversation(vector, null));
    await waitFor(() => expect(rowNames()).toContain("Vector LLC"));
    expect(rows()).toHaveLength(4);

    await user.selectOptions(filter, "");
    await waitFor(() => expect(rows()).toHaveLength(6));
    expect(screen.getAllByTestId("row-assignee").map((r) => r.textContent)).toEqual(
      expect.arrayContaining(["→ Oleg", "→ Olga Owner"]),
    );
  });

  it("offers Mine only once the owner is linked", async () => {
    const backend = useMock();
    const invite = await api.createInvite({ role: "operator", projectIds: [], maxUses: 1, validHours: 24, label: null });
    backend.joinTeam("Oleg", invite.invite.id);
    await renderInbox();
    const filter = await screen.findByTestId("assignee-filter");
    const mine = within(filter).getByRole("option", { name: "Mine" }) as HTMLOptionElement;
    expect(mine.disabled).toBe(true);
    expect(filter).toHaveAttribute("title", expect.stringContaining("Settings → Team"));
    expect((within(filter).getByRole("option", { name: "Unassigned" }) as HTMLOptionElement).disabled).toBe(false);

    act(() => {
      backend.joinTeam("Olga Owner", null);
    });
    await waitFor(() => expect(mine.disabled).toBe(false));
    expect(filter).toHaveAttribute("title", "Filter by assignee");
  });

  it("marks a reply written while the conversation is someone else's, and signs it with the owner's name", async () => {
    const backend = useMock();
    const { owner, oleg } = await team(backend);
    const user = await renderInbox();
    const thread = await open(user, "Maria Sokolova");
    await user.selectOptions(await within(thread).findByTestId("assignee-select"), String(oleg));
    await waitFor(() => expect(within(thread).getByTestId("assignee-select")).toHaveValue(String(oleg)));

    await user.type(screen.getByTestId("composer-input"), "I will hand you over to Oleg.");
    await user.click(screen.getByTestId("composer-send"));
    const last = () => within(thread).getAllByTestId("message").at(-1)!;
    await waitFor(() => expect(last()).toHaveTextContent("I will hand you over to Oleg."));
    expect(within(last()).getByTestId("message-assigned")).toHaveTextContent("while assigned to Oleg");
    expect(last()).toHaveTextContent("Olga Owner");
    expect(within(thread).getAllByTestId("message-assigned")).toHaveLength(1);

    // The owner's own conversation: no mark.
    await user.selectOptions(within(thread).getByTestId("assignee-select"), String(owner));
    await waitFor(() => expect(within(thread).getByTestId("assignee-select")).toHaveValue(String(owner)));
    await user.type(screen.getByTestId("composer-input"), "Actually, I will do it myself.");
    await user.click(screen.getByTestId("composer-send"));
    await waitFor(() => expect(last()).toHaveTextContent("Actually, I will do it myself."));
    expect(within(last()).queryByTestId("message-assigned")).not.toBeInTheDocument();
    expect(within(thread).getAllByTestId("message-assigned")).toHaveLength(1);
  });

  it("shows no assignment without a team, and shows it once someone links", async () => {
    const backend = useMock();
    const user = await renderInbox();
    const thread = await open(user, "Maria Sokolova");
    expect(within(thread).getByTestId("status-close")).toBeInTheDocument();
    expect(within(thread).queryByTestId("assignee-select")).not.toBeInTheDocument();
    expect(screen.queryByTestId("assignee-filter")).not.toBeInTheDocument();
    expect(screen.getByTestId("channel-filter")).toBeInTheDocument();

    act(() => {
      backend.joinTeam("Olga Owner", null);
    });
    expect(await within(thread).findByTestId("assignee-select")).toHaveValue("");
    expect(screen.getByTestId("assignee-filter")).toBeInTheDocument();
  });
});
