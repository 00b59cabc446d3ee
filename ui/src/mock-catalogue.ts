// Catalogues of the in-memory engine (as src/assistant/catalogue): an
// uploaded file parsed into rows, searched by the words of a question.
//
// The demo reads CSV files for real (UTF-8, "," ";" tab or "|" between
// fields, the first row with names as the header). A PDF, XLSX or XLS file
// gives a few demo rows, after the same checks of its first bytes; a PDF
// whose name contains "scan" has no text. Other files are refused, and so is
// anything larger than 20 MB.
import type {
  ApiError,
  Catalogue,
  CatalogueFormat,
  CatalogueImport,
  CataloguePage,
  CatalogueProblem,
  CatalogueRow,
  ImportStage,
  Result,
  UsedRow,
} from "./api";
import { fail, ok, type MockCore } from "./mock-shared";

const MAX_FILE_BYTES = 20 * 1024 * 1024;
const MAX_PAGE = 500;

const STOP_WORDS = new Set(
  (
    "и в во на с со а но по за из к у о об от до не ли же бы как что это есть вас вы мне я мы он она " +
    "the a an is are do you have of to in on for it and or can i me my your how what"
  ).split(" "),
);

/** The stems of a question's words, as the engine's match_query cuts them. */
export function stems(text: string): string[] {
  const out: string[] = [];
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const n = [...word].length;
    if (n < 2 || STOP_WORDS.has(word)) continue;
    const keep = n <= 4 ? n : n <= 6 ? n - 1 : n - 2;
    const stem = [...word].slice(0, keep).join("");
    if (!out.includes(stem)) out.push(stem);
    if (out.length === 24) break;
  }
  return out;
}

/** How many of `wanted` start a word of `text`. */
function score(text: string, wanted: string[]): number {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return wanted.filter((stem) => words.some((w) => w.startsWith(stem))).length;
}

function formatOf(name: string): CatalogueFormat | null {
  const ext = name.toLowerCase().split(".").pop();
  return ext === "pdf" || ext === "csv" || ext === "xlsx" || ext === "xls" ? ext : null;
}

function decodedSize(base64: string): number {
  const clean = base64.replace(/\s/g, "");
  const padding = clean.endsWith("==") ? 2 : clean.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding);
}

function bytesOf(base64: string): Uint8Array {
  const binary = atob(base64.replace(/\s/g, ""));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

/** The fields of one CSV text, quotes and all. */
function parseCsv(text: string): string[][] {
  const lines = text.split(/\r?\n/).slice(0, 20);
  const delimiter =
    [",", ";", "\t", "|"]
      .map((d) => ({ d, n: Math.max(0, ...lines.map((l) => l.split(d).length - 1)) }))
      .sort((a, b) => b.n - a.n)[0]?.d ?? ",";
  const table: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === delimiter) {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      table.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length > 0) table.push([...row, cell]);
  return table.map((r) => r.map((v) => v.trim())).filter((r) => r.some((v) => v !== ""));
}

const oneLine = (text: string) => text.split(/\s+/).filter(Boolean).join(" ");

function rowText(cells: string[], header: string[]): string {
  return cells
    .map((cell, i) => (cell ? (header[i] ? `${oneLine(header[i])}: ${oneLine(cell)}` : oneLine(cell)) : ""))
    .filter(Boolean)
    .join("; ");
}

const looksNumeric = (cell: string) => /^[+\-~≈$€₽]?\d[\d\s.,:/'-]*\s*(%|₽|руб\.?|р\.?|rub|usd|eur|\$|€)?$/i.test(cell);

/** The header (when the first row names the columns) and the rows after it. */
function table(cells: string[][]): { header: string[]; rows: string[][] } {
  const first = cells[0] ?? [];
  const filled = first.filter(Boolean).length;
  const numeric = first.filter(looksNumeric).length;
  if (filled >= 2 && numeric <= filled / 4 && cells.length > 1) return { header: first, rows: cells.slice(1) };
  return { header: [], rows: cells };
}

function demoTable(locale: "ru" | "en"): string[][] {
  return locale === "ru"
    ? [
        ["Товар", "Цена", "Наличие"],
        ["Диван угловой «Осло», велюр, 250 см", "34 990 ₽", "В наличии"],
        ["Кресло «Норд», серое", "12 490 ₽", "В наличии"],
        ["Стол обеденный «Осло», дуб, 160 см", "21 900 ₽", "Под заказ, 10 дней"],
        ["Стул «Норд»", "3 990 ₽", "В наличии"],
        ["Доставка по городу", "890 ₽", "1–2 дня"],
      ]
    : [
        ["Product", "Price", "Availability"],
        ["Corner sofa “Oslo”, velour, 250 cm", "34 990 ₽", "In stock"],
        ["Armchair “Nord”, grey", "12 490 ₽", "In stock"],
        ["Dining table “Oslo”, oak, 160 cm", "21 900 ₽", "To order, 10 days"],
        ["Chair “Nord”", "3 990 ₽", "In stock"],
        ["Delivery in the city", "890 ₽", "1–2 days"],
      ];
}

type Refusal = { problem: CatalogueProblem; detail: string };
type Parsed = { header: string[]; rows: string[][]; sheet: string | null };

function parse(name: string, format: CatalogueFormat, bytes: Uint8Array, locale: "ru" | "en"): Parsed | Refusal {
  const unreadable = (reason: string): Refusal => ({
    problem: "unreadable",
    detail: `the ${format.toUpperCase()} file cannot be read: ${reason}`,
  });
  const noRows: Refusal = {
    problem: "no_rows",
    detail:
      "the catalogue contains no text to read: a PDF without a text layer (most likely a scanned image; " +
      "upload a PDF with selectable text or a spreadsheet instead), or a table whose rows are all empty",
  };
  if (format === "csv") {
    const text = new TextDecoder("utf-8").decode(bytes).replace(/^\uFEFF/, "");
    const parsed = table(parseCsv(text));
    return parsed.rows.length === 0 ? noRows : { ...parsed, sheet: null };
  }
  if (format === "pdf") {
    if (!startsWith(bytes, [0x25, 0x50, 0x44, 0x46])) return unreadable("it does not start as a PDF does");
    if (name.toLowerCase().includes("scan")) return noRows;
    return { ...table(demoTable(locale)), sheet: null };
  }
  const workbook = startsWith(bytes, [0x50, 0x4b]) || startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0]);
  if (!workbook) return unreadable("it is not a workbook");
  return { ...table(demoTable(locale)), sheet: locale === "ru" ? "Лист1" : "Sheet1" };
}

type Stored = { catalogue: Catalogue; rows: CatalogueRow[] };

export function createMockCatalogue(core: MockCore, options: { stepMs: number; hasProject: (id: number) => boolean }) {
  const { emit, now, locale } = core;
  const catalogues = new Map<number, Stored>();
  let nextRowId = 1;

  const progress = (projectId: number, stage: ImportStage, done: number, total: number) =>
    emit({ type: "catalogue_progress", project_id: projectId, stage, done, total });
  const pause = () => new Promise((resolve) => setTimeout(resolve, options.stepMs));

  /** The rows matching `text`, best first. */
  function matching(projectId: number, text: string): CatalogueRow[] {
    const wanted = stems(text);
    const stored = catalogues.get(projectId);
    if (!stored || wanted.length === 0) return [];
    return stored.rows
      .map((row) => ({ row, score: score(row.text, wanted) }))
      .filter((r) => r.score > 0)
      .sort((a, b) => b.score - a.score || a.row.position - b.row.position)
      .map((r) => r.row);
  }

  const commands = {
    async importCatalogue(
      projectId: number,
      fileName: string,
      base64: string,
    ): Promise<Result<CatalogueImport, ApiError>> {
      if (!options.hasProject(projectId)) return fail("not_found", `project ${projectId}`);
      const name = fileName.split(/[/\\]/).pop()?.trim() ?? "";
      const refused = (r: Refusal): Result<CatalogueImport, ApiError> => {
        progress(projectId, "failed", 0, 0);
        return ok({ result: "refused", problem: r.problem, detail: r.detail, max_bytes: MAX_FILE_BYTES });
      };
      progress(projectId, "parsing", 0, 1);
      await pause();
      const size = decodedSize(base64);
      if (size === 0) return refused({ problem: "empty", detail: "the catalogue file is empty (0 bytes)" });
      const format = formatOf(name);
      if (!format) {
        return refused({
          problem: "unsupported",
          detail: `"${name}" is not a supported catalogue file: upload a PDF, CSV, XLSX or XLS file`,
        });
      }
      if (size > MAX_FILE_BYTES) {
        const mb = (n: number) => Math.ceil(n / 1024 / 1024);
        return refused({
          problem: "too_large",
          detail: `the catalogue file is too large: ${mb(size)} MB, the limit is ${mb(MAX_FILE_BYTES)} MB`,
        });
      }
      const parsed = parse(name, format, bytesOf(base64), locale);
      progress(projectId, "parsing", 1, 2);
      await pause();
      if ("problem" in parsed) return refused(parsed);
      const total = parsed.rows.length;
      progress(projectId, "storing", 0, total);
      await pause();
      const rows = parsed.rows.map((cells, position) => ({
        id: nextRowId++,
        position,
        sheet: parsed.sheet,
        cells,
        text: rowText(cells, parsed.header),
      }));
      const catalogue: Catalogue = {
        projectId,
        fileName: name,
        format,
        size,
        columns: parsed.header,
        rowCount: total,
        importedAt: now(),
      };
      catalogues.set(projectId, { catalogue, rows });
      progress(projectId, "done", total, total);
      emit({ type: "assistant_changed", project_id: projectId });
      return ok({ result: "imported", catalogue: { ...catalogue, columns: [...catalogue.columns] } });
    },

    async getCatalogue(projectId: number): Promise<Result<Catalogue | null, ApiError>> {
      const stored = catalogues.get(projectId);
      return ok(stored ? { ...stored.catalogue, columns: [...stored.catalogue.columns] } : null);
    },

    async catalogueRows(
      projectId: number,
      search: string | null,
      offset: number,
      limit: number,
    ): Promise<Result<CataloguePage, ApiError>> {
      const take = Math.min(Math.max(limit, 1), MAX_PAGE);
      const all =
        search && stems(search).length > 0 ? matching(projectId, search) : (catalogues.get(projectId)?.rows ?? []);
      return ok({
        total: all.length,
        rows: all.slice(offset, offset + take).map((r) => ({ ...r, cells: [...r.cells] })),
      });
    },

    async removeCatalogue(projectId: number): Promise<Result<null, ApiError>> {
      catalogues.delete(projectId);
      emit({ type: "assistant_changed", project_id: projectId });
      return ok(null);
    },
  };

  /** The rows a prompt would carry for `text` (at most 8, best first). */
  const search = (projectId: number, text: string): UsedRow[] =>
    matching(projectId, text)
      .slice(0, 8)
      .map((r) => ({ id: r.id, text: r.text }));

  return { commands, search };
}
