import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api } from "../api";
import App from "../App";
import { freshWindow, openComposer, rows, useMock, type User } from "./inbox-fixtures";

const options = () => within(screen.getByRole("listbox", { name: "Quick replies" })).getAllByRole("option");
const optionNames = () => screen.getAllByTestId("quick-reply-option").map((o) => o.dataset.name);

/** Maria's conversation (the newest), its composer ready. */
const openMaria = () => openComposer("Maria Sokolova");

async function openSettings(user: User) {
  await user.click(screen.getByTestId("nav-settings"));
  const section = await screen.findByTestId("settings-quick-replies");
  await within(section).findByTestId("quick-replies-list");
  return section;
}

beforeEach(freshWindow);

describe("quick replies in the composer", () => {
  it("opens on / with the conversation's quick replies, filters as you type, and inserts the filled text with Enter", async () => {
    const backend = useMock();
    const list = vi.spyOn(backend.commands, "listQuickReplies");
    const fill = vi.spyOn(backend.commands, "quickReplyText");
    const send = vi.spyOn(backend.commands, "sendReply");
    const { user, conversationId, input } = await openMaria();
    // The demo's conversations are in no project: every project's quick replies.
    expect(list).toHaveBeenCalledWith(null);
    expect(screen.queryByTestId("quick-replies-popup")).not.toBeInTheDocument();

    await user.type(input, "Thanks! /");
    const popup = await screen.findByTestId("quick-replies-popup");
    expect(within(popup).getByRole("listbox", { name: "Quick replies" })).toBeInTheDocument();
    expect(optionNames()).toEqual(["delivery", "greeting", "спасибо"]);
    expect(options()[0]).toHaveAttribute("aria-selected", "true");
    expect(popup).toHaveTextContent("/deliveryDelivery takes 1–2 days and is free from 5 000 {CURRENCY}.");

    await user.type(input, "gr");
    expect(optionNames()).toEqual(["greeting"]);
    await user.keyboard("{Enter}");

    await waitFor(() =>
      expect(input).toHaveValue("Thanks! Hello, Maria Sokolova! This is a consultant from Tuberry. How can I help you?"),
    );
    const greeting = (await api.listQuickReplies(null)).find((r) => r.name === "greeting")!;
    expect(fill).toHaveBeenCalledWith(conversationId, greeting.id);
    // Enter inserted, it did not send.
    expect(send).not.toHaveBeenCalled();
    expect(screen.queryByTestId("quick-replies-popup")).not.toBeInTheDocument();
  });

  it("puts name matches before text matches, moves with the arrows, inserts with Tab, and closes with Esc", async () => {
    useMock();
    await api.createQuickReply({ projectId: null, name: "free-shipping", text: "Shipping is on us this week." });
    const { user, input } = await openMaria();

    await user.type(input, "/free");
    // The name first, then the quick reply whose text says "free".
    await waitFor(() => expect(optionNames()).toEqual(["free-shipping", "delivery"]));
    await user.keyboard("{ArrowDown}");
    expect(options()[1]).toHaveAttribute("aria-selected", "true");
    expect(input).toHaveAttribute("aria-activedescendant", options()[1].id);
    await user.keyboard("{ArrowDown}");
    expect(options()[0]).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{ArrowUp}{Tab}");
    await waitFor(() =>
      expect(input).toHaveValue("Delivery takes 1–2 days and is free from 5 000 ₽. Shall I book a time for you?"),
    );

    await user.clear(input);
    await user.type(input, "see /");
    expect(await screen.findByTestId("quick-replies-popup")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("quick-replies-popup")).not.toBeInTheDocument();
    expect(input).toHaveValue("see /");
    // A / inside a word (a link, a date) is no quick reply.
    await user.clear(input);
    await user.type(input, "and/or");
    expect(screen.queryByTestId("quick-replies-popup")).not.toBeInTheDocument();
  });

  it("says where to add them when there is none, and what matched nothing", async () => {
    useMock();
    const { user, input } = await openMaria();
    await user.type(input, "/zzz");
    expect(await screen.findByTestId("quick-replies-empty")).toHaveTextContent("No quick reply matches “zzz”");

    for (const reply of await api.listQuickReplies(null)) await api.deleteQuickReply(reply.id);
    // quick_replies_changed reads them again.
    await waitFor(() =>
      expect(screen.getByTestId("quick-replies-empty")).toHaveTextContent("No quick replies yet — add them in Settings"),
    );
    // Enter sends what was typed, as always.
    await user.keyboard("{Enter}");
    await waitFor(() => expect(input).toHaveValue(""));
  });

  it("works in Russian", async () => {
    await i18n.changeLanguage("ru");
    const backend = useMock({ locale: "ru" });
    const fill = vi.spyOn(backend.commands, "quickReplyText");
    const user = userEvent.setup();
    render(<App />);
    await waitFor(() => expect(rows().length).toBeGreaterThan(5));
    await user.click(rows()[0]);
    await screen.findByTestId("thread");
    const input = screen.getByTestId("composer-input");
    await user.clear(input);

    await user.type(input, "/");
    const popup = await screen.findByTestId("quick-replies-popup");
    expect(within(popup).getByRole("listbox", { name: "Быстрые ответы" })).toBeInTheDocument();
    expect(popup).toHaveTextContent("Enter или Tab — вставить");
    await user.type(input, "дост");
    expect(optionNames()).toEqual(["доставка"]);
    await user.keyboard("{Enter}");
    await waitFor(() =>
      expect(input).toHaveValue("Доставка занимает 1–2 дня и бесплатна от 5 000 ₽. Подобрать удобное время?"),
    );
    expect(fill).toHaveBeenCalledTimes(1);
  });
});

describe("Settings → Quick replies", () => {
  it("lists them with their project, adds one, edits it and deletes it after a confirmation", async () => {
    const backend = useMock();
    const create = vi.spyOn(backend.commands, "createQuickReply");
    const update = vi.spyOn(backend.commands, "updateQuickReply");
    const remove = vi.spyOn(backend.commands, "deleteQuickReply");
    const project = await api.createProject({ name: "Sofa shop", language: "en" });
    const user = userEvent.setup();
    render(<App />);
    const section = await openSettings(user);

    const names = () => within(section).getAllByTestId("quick-reply-name").map((n) => n.textContent);
    expect(names()).toEqual(["/delivery", "/greeting", "/спасибо"]);
    const first = within(section).getAllByTestId("quick-reply")[0];
    expect(within(first).getByTestId("quick-reply-project")).toHaveTextContent("All projects");
    expect(within(first).getByTestId("quick-reply-text")).toHaveTextContent("Delivery takes 1–2 days");
    expect(within(section).getByTestId("quick-replies-placeholders")).toHaveTextContent(
      "{AGENT_NAME}, {BRAND}, {CITY}, {CHANNEL}, {WHATSAPP_LINK}, {CATALOG_URL}, {CURRENCY}, {CUSTOMER_NAME}",
    );

    const add = within(section).getByTestId("quick-replies-create");
    expect(add).toBeDisabled();
    await user.type(within(section).getByTestId("quick-replies-form-name"), "Hours");
    await user.selectOptions(within(section).getByTestId("quick-replies-form-project"), "Sofa shop");
    await user.type(within(section).getByTestId("quick-replies-form-text"), "We are open 10:00–20:00, {{CUSTOMER_NAME}.");
    expect(add).toBeEnabled();
    await user.click(add);

    expect(create).toHaveBeenCalledWith({
      projectId: project.id,
      name: "hours",
      text: "We are open 10:00–20:00, {CUSTOMER_NAME}.",
    });
    await waitFor(() => expect(names()).toEqual(["/delivery", "/greeting", "/hours", "/спасибо"]));
    const hours = () => within(section).getAllByTestId("quick-reply").find((r) => r.dataset.name === "hours")!;
    expect(within(hours()).getByTestId("quick-reply-project")).toHaveTextContent("Sofa shop");
    expect(within(section).getByTestId("quick-replies-form-name")).toHaveValue("");

    // A name the engine would refuse keeps Add disabled.
    await user.type(within(section).getByTestId("quick-replies-form-name"), "two words");
    await user.type(within(section).getByTestId("quick-replies-form-text"), "Text");
    expect(add).toBeDisabled();

    await user.click(within(hours()).getByTestId("quick-reply-edit"));
    const text = within(hours()).getByTestId("quick-reply-form-edit-text");
    await user.clear(text);
    await user.type(text, "Open every day.");
    await user.selectOptions(within(hours()).getByTestId("quick-reply-form-edit-project"), "All projects");
    await user.click(within(hours()).getByTestId("quick-reply-form-edit-save"));
    expect(update).toHaveBeenCalledWith(expect.any(Number), { projectId: null, name: "hours", text: "Open every day." });
    await waitFor(() => expect(within(hours()).getByTestId("quick-reply-text")).toHaveTextContent("Open every day."));
    expect(within(hours()).getByTestId("quick-reply-project")).toHaveTextContent("All projects");

    await user.click(within(hours()).getByTestId("quick-reply-delete"));
    const confirm = within(hours()).getByTestId("quick-reply-confirm");
    expect(confirm).toHaveTextContent("Delete /hours?");
    await user.click(within(confirm).getByTestId("quick-reply-delete-confirm"));
    expect(remove).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(names()).toEqual(["/delivery", "/greeting", "/спасибо"]));
  });

  it("shows the engine's refusal of a name already taken", async () => {
    useMock();
    const user = userEvent.setup();
    render(<App />);
    const section = await openSettings(user);
    await user.type(within(section).getByTestId("quick-replies-form-name"), "/Greeting");
    await user.type(within(section).getByTestId("quick-replies-form-text"), "Hi!");
    await user.click(within(section).getByTestId("quick-replies-create"));
    expect(await within(section).findByTestId("quick-replies-create-error")).toHaveTextContent(
      "there is a quick reply “/greeting” already",
    );
  });

  it("imports a CSV file and says how many were added and updated, or why the file was refused", async () => {
    const backend = useMock();
    const importCsv = vi.spyOn(backend.commands, "importQuickReplies");
    const user = userEvent.setup();
    render(<App />);
    const section = await openSettings(user);
    const file = within(section).getByTestId("quick-replies-import-file");

    const csv = "project,name,text\n,greeting,Hi {CUSTOMER_NAME}!\n,returns,\"Returns within 14 days, no questions.\"\n";
    await user.upload(file, new File([csv], "replies.csv", { type: "text/csv" }));
    expect(await within(section).findByTestId("quick-replies-imported")).toHaveTextContent("Added 1, updated 1.");
    expect(importCsv).toHaveBeenCalledWith(csv);
    await waitFor(() =>
      expect(within(section).getAllByTestId("quick-reply-name").map((n) => n.textContent)).toContain("/returns"),
    );

    await user.upload(file, new File(["name;text\nok;Fine\nbad;\n"], "broken.csv", { type: "text/csv" }));
    const error = await within(section).findByTestId("quick-replies-import-error");
    expect(error).toHaveTextContent("The file was not imported: line 3: a quick reply needs a text");
    expect(within(section).queryByTestId("quick-replies-imported")).not.toBeInTheDocument();
    // Nothing of the refused file was kept.
    expect((await api.listQuickReplies(null)).map((r) => r.name)).not.toContain("ok");
  });

  it("exports them as CSV and shows where the file went", async () => {
    const backend = useMock();
    const exportCsv = vi.spyOn(backend.commands, "exportQuickReplies");
    const show = vi.spyOn(backend.commands, "showSavedFile");
    const user = userEvent.setup();
    render(<App />);
    const section = await openSettings(user);
    await user.click(within(section).getByTestId("quick-replies-export"));
    const saved = await within(section).findByTestId("quick-replies-saved");
    expect(exportCsv).toHaveBeenCalledWith(null);
    expect(saved).toHaveTextContent("Saved to /home/demo/Downloads/tuberry-quick-replies.csv");
    await user.click(within(saved).getByTestId("quick-replies-saved-show"));
    expect(show).toHaveBeenCalledWith("/home/demo/Downloads/tuberry-quick-replies.csv");
  });
});
