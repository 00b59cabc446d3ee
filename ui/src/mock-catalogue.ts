// Catalogues of the in-memory engine. It reads no file: whatever is uploaded
// becomes the demo's price list (mock-seed.ts), after a few steps of progress,
// under the uploaded file's name. Its rows come a page at a time; searching
// them is the engine's, so the demo shows every row for any search.
import type { ApiError, Catalogue, CatalogueImport, CataloguePage, CatalogueRow, ImportStage, Result } from "./api";
import { base64Size } from "./mock-files";
import { demoCatalogue } from "./mock-seed";
import { later, notFound, ok, type MockCore } from "./mock-shared";

type Stored = { catalogue: Catalogue; rows: CatalogueRow[] };

export function createMockCatalogue(core: MockCore, options: { stepMs: number; hasProject: (id: number) => boolean }) {
  const { emit, now, locale } = core;
  const catalogues = new Map<number, Stored>();

  const progress = (projectId: number, stage: ImportStage, done: number, total: number) =>
    emit({ type: "catalogue_progress", project_id: projectId, stage, done, total });

  const commands = {
    async importCatalogue(
      projectId: number,
      fileName: string,
      base64: string,
    ): Promise<Result<CatalogueImport, ApiError>> {
      if (!options.hasProject(projectId)) return notFound(`project ${projectId}`);
      const demo = demoCatalogue(locale);
      const total = demo.rows.length;
      progress(projectId, "parsing", 0, 1);
      await later(options.stepMs);
      progress(projectId, "storing", 0, total);
      await later(options.stepMs);
      const rows = demo.rows.map((row, position) => ({ id: position + 1, position, sheet: null, ...row }));
      const catalogue: Catalogue = {
        projectId,
        fileName,
        format: "csv",
        size: base64Size(base64),
        columns: demo.columns,
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
      _search: string | null,
      offset: number,
      limit: number,
    ): Promise<Result<CataloguePage, ApiError>> {
      const rows = catalogues.get(projectId)?.rows ?? [];
      return ok({
        total: rows.length,
        rows: rows.slice(offset, offset + limit).map((r) => ({ ...r, cells: [...r.cells] })),
      });
    },

    async removeCatalogue(projectId: number): Promise<Result<null, ApiError>> {
      catalogues.delete(projectId);
      emit({ type: "assistant_changed", project_id: projectId });
      return ok(null);
    },
  };

  return { commands };
}
