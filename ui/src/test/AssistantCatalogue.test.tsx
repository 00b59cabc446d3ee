import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, type CatalogueProblem } from "../api";
import App from "../App";
import { base64, makeProject, openAssistant, openAssistantProject, PRICES_CSV, useMock } from "./assistant-fixtures";

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

function setup() {
  const user = userEvent.setup();
  render(<App />);
  return user;
}

const tableRows = (section: HTMLElement) => within(section).queryAllByTestId("catalogue-row");

describe("catalogue", () => {
  it("uploads a CSV with progress, shows its rows and searches them", async () => {
    const backend = useMock({ catalogueStepMs: 40 });
    const project = await makeProject("Sofa shop");
    const importCatalogue = vi.spyOn(backend.commands, "importCatalogue");
    const rows = vi.spyOn(backend.commands, "catalogueRows");
    const user = setup();
    const detail = await openAssistantProject(user, "Sofa shop");
    const section = within(detail).getByTestId("catalogue");
    expect(await within(section).findByTestId("catalogue-none")).toHaveTextContent("No catalogue yet.");
    const input = within(section).getByTestId("catalogue-file");
    expect(input).toHaveAttribute("accept", ".pdf,.csv,.xlsx,.xls");

    await user.upload(input, new File([PRICES_CSV], "prices.csv", { type: "text/csv" }));
    const progress = await within(section).findByTestId("catalogue-progress");
    expect(within(progress).getByRole("progressbar")).toBeInTheDocument();
    await waitFor(() => expect(within(section).getByTestId("catalogue-file-name")).toHaveTextContent("prices.csv"));
    expect(importCatalogue).toHaveBeenCalledWith(project.id, "prices.csv", base64(PRICES_CSV));
    expect(within(section).queryByTestId("catalogue-progress")).not.toBeInTheDocument();
    expect(within(section).getByTestId("catalogue-row-count")).toHaveTextContent("3");
    expect(within(section).getByTestId("catalogue-facts")).toHaveTextContent("CSV");
    await waitFor(() => expect(tableRows(section)).toHaveLength(3));
    expect(within(section).getByRole("columnheader", { name: "Product" })).toBeInTheDocument();
    expect(tableRows(section)[0]).toHaveTextContent("Corner sofa Oslo, velour");
    expect(within(section).getByTestId("catalogue-range")).toHaveTextContent("Rows 1–3 of 3");
    expect(within(section).getByTestId("catalogue-upload")).toHaveTextContent("Replace catalogue");

    // The engine searches; the window shows what it found.
    const found = (await api.catalogueRows(project.id, null, 0, 50)).rows.filter((r) => r.text.includes("Oslo"));
    backend.answerNext("catalogueRows", { status: "ok", data: { total: found.length, rows: found } });
    await user.type(within(section).getByLabelText("Search the catalogue"), "oslo");
    await waitFor(() => expect(tableRows(section)).toHaveLength(2));
    expect(rows).toHaveBeenLastCalledWith(project.id, "oslo", 0, 50);
    expect(within(section).getByTestId("catalogue-range")).toHaveTextContent("Found 2");
    await user.clear(within(section).getByLabelText("Search the catalogue"));
    await waitFor(() => expect(tableRows(section)).toHaveLength(3));
    backend.answerNext("catalogueRows", { status: "ok", data: { total: 0, rows: [] } });
    await user.type(within(section).getByLabelText("Search the catalogue"), "wardrobe");
    expect(await within(section).findByTestId("catalogue-no-match")).toHaveTextContent("No rows match “wardrobe”.");
  });

  it("explains the engine's refusal of an upload in the person's language, and keeps the catalogue it had", async () => {
    const backend = useMock();
    const project = await makeProject("Sofa shop", true);
    const importCatalogue = vi.spyOn(backend.commands, "importCatalogue");
    const user = setup();
    const detail = await openAssistantProject(user, "Sofa shop");
    const section = within(detail).getByTestId("catalogue");
    await waitFor(() => expect(within(section).getByTestId("catalogue-file-name")).toHaveTextContent("prices.csv"));

    const refusal = (problem: CatalogueProblem, detail: string) =>
      backend.answerNext("importCatalogue", {
        status: "ok",
        data: { result: "refused", problem, detail, max_bytes: 20 * 1024 * 1024 },
      });
    refusal(
      "no_rows",
      "the catalogue contains no text to read: a PDF without a text layer (most likely a scanned image)",
    );
    await user.upload(
      within(section).getByTestId("catalogue-file"),
      new File(["%PDF-1.4 pictures only"], "price-scan.pdf"),
    );
    const refused = await within(section).findByTestId("catalogue-refused");
    expect(refused).toHaveAttribute("data-problem", "no_rows");
    expect(refused).toHaveTextContent("No text was found in it: the PDF is probably a scan");
    expect(refused).toHaveTextContent("Details: the catalogue contains no text to read");
    expect(within(section).getByTestId("catalogue-file-name")).toHaveTextContent("prices.csv");
    expect((await api.getCatalogue(project.id))?.fileName).toBe("prices.csv");

    await user.selectOptions(screen.getByTestId("language-switch"), "ru");
    expect(within(section).getByTestId("catalogue-refused")).toHaveTextContent("скорее всего, PDF — это скан");

    // A file of another kind (the file picker offers catalogues only, but any file can get through).
    const anyFile = userEvent.setup({ applyAccept: false });
    refusal("unsupported", '"notes.docx" is not a supported catalogue file: upload a PDF, CSV, XLSX or XLS file');
    await anyFile.upload(within(section).getByTestId("catalogue-file"), new File(["hello"], "notes.docx"));
    await waitFor(() =>
      expect(within(section).getByTestId("catalogue-refused")).toHaveAttribute("data-problem", "unsupported"),
    );
    expect(within(section).getByTestId("catalogue-refused")).toHaveTextContent("Загрузите PDF, CSV, XLSX или XLS");

    // Too large: said at once, with the limit, without sending the file.
    importCatalogue.mockClear();
    const huge = new File([new Uint8Array(21 * 1024 * 1024)], "huge.xlsx");
    await user.upload(within(section).getByTestId("catalogue-file"), huge);
    await waitFor(() =>
      expect(within(section).getByTestId("catalogue-refused")).toHaveAttribute("data-problem", "too_large"),
    );
    expect(within(section).getByTestId("catalogue-refused")).toHaveTextContent("Файл больше 20 МБ");
    expect(importCatalogue).not.toHaveBeenCalled();
  });

  it("removes the catalogue after asking", async () => {
    useMock();
    const project = await makeProject("Sofa shop", true);
    const user = setup();
    const detail = await openAssistantProject(user, "Sofa shop");
    const section = within(detail).getByTestId("catalogue");
    await user.click(await within(section).findByTestId("catalogue-remove"));
    expect(within(section).getByRole("alertdialog")).toHaveTextContent("Remove the catalogue?");
    await user.click(within(section).getByTestId("catalogue-remove-confirm"));
    expect(await within(section).findByTestId("catalogue-none")).toBeInTheDocument();
    expect(await api.getCatalogue(project.id)).toBeNull();
  });
});

describe("outbox guard", () => {
  it("starts on an empty whitelist, lists a recipient, shows what the engine still holds and changes the mode", async () => {
    const backend = useMock();
    const setGuard = vi.spyOn(backend.commands, "setOutboxGuard");
    const allow = vi.spyOn(backend.commands, "allowRecipient");
    const user = setup();
    await openAssistant(user);
    await user.click(screen.getByTestId("assistant-guard-row"));
    const section = await screen.findByTestId("guard");
    expect(within(section).getByRole("radio", { name: "Only listed recipients" })).toBeChecked();
    expect(within(section).getByTestId("guard-held")).toHaveTextContent("Held now: 1");
    expect(within(section).getByTestId("whitelist")).toHaveTextContent("No one is listed yet.");
    expect(within(section).getByText(/trying the assistant is safe/)).toBeInTheDocument();

    // The engine's refusal of a badly written recipient.
    await user.selectOptions(within(section).getByLabelText("Known by"), "avito_user");
    await user.type(within(section).getByLabelText("Recipient"), "sergey");
    backend.failNext("allowRecipient", { code: "invalid_input", message: "“sergey” is not a numeric user id" });
    await user.click(within(section).getByRole("button", { name: "Add" }));
    expect(await within(section).findByTestId("whitelist-error")).toHaveTextContent(
      "“sergey” is not a numeric user id",
    );

    // Once Sergey is listed the engine sends his held answer: the window shows the guard it answers.
    const sergey = { kind: "avito_user" as const, value: "301554020" };
    backend.answerNext("allowRecipient", {
      status: "ok",
      data: { mode: "whitelist", includePeople: false, whitelist: [sergey], held: 0 },
    });
    await user.clear(within(section).getByLabelText("Recipient"));
    await user.type(within(section).getByLabelText("Recipient"), "301554020");
    await user.click(within(section).getByRole("button", { name: "Add" }));
    expect(allow).toHaveBeenLastCalledWith(sergey);
    await waitFor(() => expect(within(section).getAllByTestId("whitelist-entry")).toHaveLength(1));
    expect(within(section).getByTestId("whitelist-entry")).toHaveTextContent("Avito user ID301554020");
    expect(within(section).getByTestId("guard-held")).toHaveTextContent("Nothing is held");
    expect(within(section).getByLabelText("Recipient")).toHaveValue("");

    await user.click(within(section).getByRole("button", { name: "Remove 301554020" }));
    await waitFor(() => expect(within(section).queryAllByTestId("whitelist-entry")).toHaveLength(0));

    await user.click(within(section).getByRole("radio", { name: "Hold everything" }));
    await waitFor(() => expect(setGuard).toHaveBeenLastCalledWith("off", false));
    await waitFor(() => expect(within(section).getByRole("radio", { name: "Hold everything" })).toBeChecked());
    await user.click(within(section).getByLabelText("Also hold replies people write"));
    await waitFor(() => expect(setGuard).toHaveBeenLastCalledWith("off", true));
    expect(await api.outboxGuard()).toMatchObject({ mode: "off", includePeople: true });
    await waitFor(() => expect(screen.getByTestId("assistant-guard-row")).toHaveTextContent("Hold everything"));
  });
});
