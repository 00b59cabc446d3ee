import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { api } from "../api";
import { highlightParts } from "../components/Highlighted";
import { freshWindow, renderInbox, rowNames, rowOf, rows, useMock } from "./inbox-fixtures";

const idOf = (name: string) => Number(rowOf(name).dataset.conversationId);
const chipsOf = (row: HTMLElement) => within(row).queryAllByTestId("label-chip").map((c) => c.textContent);

async function labelId(name: string): Promise<number> {
  return (await api.listLabels()).find((l) => l.name === name)!.id;
}

beforeEach(freshWindow);

describe("labels", () => {
  it("shows a conversation's labels as chips on its row, a few and then +N", async () => {
    useMock();
    await renderInbox();
    await waitFor(() => expect(chipsOf(rowOf("Maria Sokolova"))).toEqual(["VIP"]));
    expect(chipsOf(rowOf("Vector LLC"))).toEqual(["Wholesale"]);
    expect(chipsOf(rowOf("Igor Petrov"))).toEqual([]);

    // Three labels: two chips and "+1".
    const maria = idOf("Maria Sokolova");
    await api.labelConversations([maria], await labelId("Wholesale"), true);
    await api.labelConversations([maria], await labelId("Delivery issue"), true);
    await waitFor(() => expect(within(rowOf("Maria Sokolova")).getByTestId("label-chips-more")).toHaveTextContent("+1"));
    expect(chipsOf(rowOf("Maria Sokolova"))).toHaveLength(2);
  });

  it("puts a label on the open conversation and takes it off from the header", async () => {
    const backend = useMock();
    const label = vi.spyOn(backend.commands, "labelConversations");
    const user = await renderInbox();
    const igor = idOf("Igor Petrov");
    await user.click(rowOf("Igor Petrov"));
    const thread = await screen.findByTestId("thread");
    await user.click(within(thread).getByTestId("thread-labels"));
    const popover = screen.getByTestId("thread-labels-popover");
    const wholesale = await labelId("Wholesale");
    const option = () => within(popover).getAllByTestId("label-option").find((o) => Number(o.dataset.labelId) === wholesale)!;
    expect(option()).not.toBeChecked();
    await user.click(option());
    expect(label).toHaveBeenLastCalledWith([igor], wholesale, true);
    await waitFor(() => expect(option()).toBeChecked());
    await waitFor(() => expect(chipsOf(rowOf("Igor Petrov"))).toEqual(["Wholesale"]));
    expect(within(within(thread).getByTestId("thread-labels")).getByText("Wholesale")).toBeInTheDocument();

    await user.click(option());
    expect(label).toHaveBeenLastCalledWith([igor], wholesale, false);
    await waitFor(() => expect(chipsOf(rowOf("Igor Petrov"))).toEqual([]));
  });

  it("creates a label with a colour from the header and puts it on", async () => {
    const backend = useMock();
    const create = vi.spyOn(backend.commands, "createLabel");
    const label = vi.spyOn(backend.commands, "labelConversations");
    const user = await renderInbox();
    await user.click(rowOf("Igor Petrov"));
    const thread = await screen.findByTestId("thread");
    await user.click(within(thread).getByTestId("thread-labels"));
    const popover = screen.getByTestId("thread-labels-popover");
    await user.type(within(popover).getByTestId("label-search"), "Urgent");
    // No label of that name: it can be made, in a chosen colour.
    expect(within(popover).queryAllByTestId("label-option")).toHaveLength(0);
    await user.click(within(popover).getByRole("radio", { name: "Orange" }));
    expect(within(popover).getByTestId("label-create")).toHaveTextContent("Create label “Urgent”");
    await user.click(within(popover).getByTestId("label-create"));
    await waitFor(() => expect(create).toHaveBeenCalledWith({ name: "Urgent", color: "orange" }));
    const urgent = await labelId("Urgent");
    await waitFor(() => expect(label).toHaveBeenCalledWith([idOf("Igor Petrov")], urgent, true));
    await waitFor(() => expect(chipsOf(rowOf("Igor Petrov"))).toEqual(["Urgent"]));
  });

  it("renames, recolours and deletes labels in Settings", async () => {
    useMock();
    const user = await renderInbox();
    await user.click(rowOf("Maria Sokolova"));
    const thread = await screen.findByTestId("thread");
    await user.click(within(thread).getByTestId("thread-labels"));
    await user.click(screen.getByTestId("labels-manage"));
    const card = await screen.findByTestId("settings-labels");
    const row = (name: string) =>
      within(card).getAllByTestId("label-row").find((r) => within(r).queryByTestId("label-name")?.textContent === name)!;
    await waitFor(() => expect(within(card).getAllByTestId("label-name").map((n) => n.textContent)).toEqual([
      "Delivery issue",
      "VIP",
      "Wholesale",
    ]));
    expect(within(row("VIP")).getByTestId("label-count")).toHaveTextContent("Conversations: 2");

    await user.click(within(row("Wholesale")).getByTestId("label-edit-open"));
    const name = within(card).getByTestId("label-edit-name");
    await user.clear(name);
    await user.type(name, "B2B");
    await user.click(within(within(card).getByTestId("label-edit")).getByRole("radio", { name: "Blue" }));
    await user.click(within(card).getByTestId("label-save"));
    await waitFor(() => expect(row("B2B")).toBeTruthy());
    expect((await api.listLabels()).find((l) => l.name === "B2B")?.color).toBe("blue");

    await user.click(within(row("VIP")).getByTestId("label-delete"));
    expect(within(card).getByTestId("label-confirm")).toHaveTextContent("Delete the label “VIP”?");
    await user.click(within(card).getByTestId("label-delete-confirm"));
    await waitFor(() => expect(within(card).getAllByTestId("label-name").map((n) => n.textContent)).toEqual(["B2B", "Delivery issue"]));
  });
});

describe("bulk actions", () => {
  it("ticks a range with Shift and closes them all at once", async () => {
    const backend = useMock();
    const close = vi.spyOn(backend.commands, "setConversationsStatus");
    const user = await renderInbox();
    const names = rowNames().slice(0, 3) as string[];
    const ids = names.map(idOf);
    await user.click(within(rows()[0]).getByTestId("row-check"));
    expect(screen.getByTestId("bulk-count")).toHaveTextContent("1 selected");
    // Ticking a box does not open the conversation.
    expect(screen.queryByTestId("thread")).not.toBeInTheDocument();
    await user.keyboard("{Shift>}");
    await user.click(within(rows()[2]).getByTestId("row-check"));
    await user.keyboard("{/Shift}");
    expect(screen.getByTestId("bulk-count")).toHaveTextContent("3 selected");
    expect(rows().slice(0, 3).every((r) => within(r).getByTestId("row-check") instanceof HTMLInputElement)).toBe(true);
    expect(rows().map((r) => (within(r).getByTestId("row-check") as HTMLInputElement).checked)).toEqual([
      true, true, true, false, false, false,
    ]);

    await user.click(screen.getByTestId("bulk-close"));
    expect(close).toHaveBeenCalledTimes(1);
    expect([...close.mock.calls[0][0]].sort()).toEqual([...ids].sort());
    expect(close.mock.calls[0][1]).toBe("closed");
    await waitFor(() => expect(screen.queryByTestId("bulk-bar")).not.toBeInTheDocument());
    await waitFor(() => expect(rows().filter((r) => r.dataset.status === "closed")).toHaveLength(4));
  });

  it("selects every loaded row with Ctrl+A, labels them, and clears with Escape", async () => {
    const backend = useMock();
    const label = vi.spyOn(backend.commands, "labelConversations");
    const user = await renderInbox();
    await user.click(within(rows()[0]).getByTestId("row-check"));
    await user.keyboard("{Control>}a{/Control}");
    expect(screen.getByTestId("bulk-count")).toHaveTextContent("6 selected");

    await user.click(screen.getByTestId("bulk-label"));
    const vip = await labelId("VIP");
    const option = within(screen.getByTestId("bulk-label-popover"))
      .getAllByTestId("bulk-label-option")
      .find((o) => Number(o.dataset.labelId) === vip)!;
    // Two of the six carry it.
    expect(option).toHaveAttribute("aria-checked", "mixed");
    await user.click(option);
    expect(label).toHaveBeenCalledWith(expect.arrayContaining(rows().map((r) => Number(r.dataset.conversationId))), vip, true);
    await waitFor(() => expect(rows().every((r) => chipsOf(r).includes("VIP"))).toBe(true));
    // Labelling keeps the selection.
    expect(screen.getByTestId("bulk-count")).toHaveTextContent("6 selected");

    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("bulk-bar")).not.toBeInTheDocument();
  });
});

describe("sorting", () => {
  it("sets the list's order, and shows how long customers have waited", async () => {
    const backend = useMock();
    const list = vi.spyOn(backend.commands, "listConversations");
    const user = await renderInbox();
    await user.selectOptions(screen.getByTestId("sort-select"), "unread");
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ sort: "unread", offset: 0 })));
    await waitFor(() => expect(rowNames().slice(0, 2)).toEqual(["Maria Sokolova", "Elena Krylova"]));

    await user.selectOptions(screen.getByTestId("sort-select"), "waiting");
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ sort: "waiting" })));
    // Only those waiting for an answer, who waited longest first.
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    const waited = rows().map((r) => within(r).getByTestId("row-waiting").textContent);
    expect(waited.every((text) => /^waiting \d+ (min|h|d)$/.test(text ?? ""))).toBe(true);
    expect(rows().every((r) => r.dataset.status !== "closed")).toBe(true);

    await user.selectOptions(screen.getByTestId("sort-select"), "recent");
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ sort: null })));
    await waitFor(() => expect(rows()).toHaveLength(6));
  });
});

describe("search filters", () => {
  it("filters by label and period from the Filters popover, each shown as a removable chip", async () => {
    const backend = useMock();
    const list = vi.spyOn(backend.commands, "listConversations");
    const user = await renderInbox();
    await user.click(screen.getByTestId("filters-button"));
    const popover = screen.getByTestId("filters-button-popover");
    const wholesale = await labelId("Wholesale");
    await user.selectOptions(within(popover).getByTestId("filter-label"), String(wholesale));
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ labelId: wholesale })));
    await waitFor(() => expect(rowNames()).toEqual(["Vector LLC"]));
    expect(screen.getByTestId("filters-count")).toHaveTextContent("1");

    const from = new Date();
    from.setDate(from.getDate() - 3);
    const day = (d: Date) =>
      `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    await user.type(within(popover).getByTestId("filter-from"), day(from));
    await user.type(within(popover).getByTestId("filter-to"), day(new Date()));
    const since = new Date(from.getFullYear(), from.getMonth(), from.getDate()).getTime();
    const today = new Date();
    const until = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1).getTime();
    await waitFor(() =>
      expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ labelId: wholesale, since, until })),
    );
    const chips = screen.getByTestId("filter-chips");
    expect(within(chips).getAllByTestId("filter-chip").map((c) => c.dataset.filter)).toEqual(["label", "period"]);

    const labelChip = within(chips).getAllByTestId("filter-chip").find((c) => c.dataset.filter === "label")!;
    await user.click(within(labelChip).getByTestId("filter-chip-remove"));
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ labelId: null, since, until })));
  });

  it("filters by customer, found by name", async () => {
    const backend = useMock();
    const list = vi.spyOn(backend.commands, "listConversations");
    const user = await renderInbox();
    await user.click(screen.getByTestId("filters-button"));
    await user.type(screen.getByTestId("filter-customer"), "Elena");
    await user.click(await screen.findByTestId("filter-customer-option"));
    const elena = (await api.searchContacts("Elena"))[0].id;
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ contactId: elena })));
    await waitFor(() => expect(rowNames()).toEqual(["Elena Krylova"]));
    expect(within(screen.getByTestId("filter-chips")).getByTestId("filter-chip")).toHaveTextContent("Elena Krylova");
  });

  it("marks the search's words in the open conversation, whatever their case", async () => {
    useMock();
    const user = await renderInbox();
    await user.type(screen.getByTestId("search-input"), "SOFA");
    await waitFor(() => expect(rowNames()).toContain("Maria Sokolova"));
    await user.click(rowOf("Maria Sokolova"));
    const thread = await screen.findByTestId("thread");
    const hits = await within(thread).findAllByTestId("search-hit");
    expect(hits[0].tagName).toBe("MARK");
    expect(hits.map((h) => h.textContent?.toLowerCase())).toContain("sofa");
    expect(within(thread).getAllByTestId("message-text")[0]).toHaveTextContent("Is the sofa still for sale?");
  });

  it("cuts a text at the search's words", () => {
    expect(highlightParts("Is the Sofa still for sale? sofa!", "sofa SALE")).toEqual([
      "Is the ",
      "Sofa",
      " still for ",
      "sale",
      "? ",
      "sofa",
      "!",
    ]);
    expect(highlightParts("a (b) c", "(b)")).toEqual(["a ", "(b)", " c"]);
    expect(highlightParts("nothing here", "")).toEqual(["nothing here"]);
  });
});
