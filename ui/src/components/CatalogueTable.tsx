import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Catalogue, type CataloguePage } from "../api";
import { errorText } from "../errors";
import { useDebounced } from "../hooks";
import { SearchIcon } from "./Icon";

const PAGE = 50;

/** The catalogue's rows as the assistant reads them: searchable, a page at a time. */
export function CatalogueTable({ projectId, catalogue }: { projectId: number; catalogue: Catalogue }) {
  const { t, i18n } = useTranslation();
  const [search, setSearch] = useState("");
  const needle = useDebounced(search.trim(), 250);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<CataloguePage | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let active = true;
    api
      .catalogueRows(projectId, needle || null, offset, PAGE)
      .then((next) => {
        if (!active) return;
        setPage(next);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (active) setError(reason);
      });
    return () => {
      active = false;
    };
  }, [projectId, needle, offset]);

  const columns = catalogue.columns;
  const withSheets = page?.rows.some((r) => r.sheet) ?? false;
  const total = page?.total ?? 0;
  const number = (n: number) => n.toLocaleString(i18n.language);

  return (
    <div className="catalogue-rows" data-testid="catalogue-rows">
      <div className="search catalogue-search">
        <SearchIcon size={14} className="search-icon" />
        <input
          type="search"
          data-testid="catalogue-search"
          aria-label={t("catalogue.search")}
          placeholder={t("catalogue.search")}
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setOffset(0);
          }}
          spellCheck={false}
        />
      </div>
      {error != null && (
        <p className="form-error" role="alert">
          {errorText(error, t)}
        </p>
      )}
      {page && page.rows.length === 0 ? (
        <p className="card-text muted" data-testid="catalogue-no-match">
          {needle ? t("catalogue.noMatch", { search: needle }) : t("catalogue.noRows")}
        </p>
      ) : (
        page && (
          <div className="catalogue-table-wrap">
            <table className="catalogue-table" aria-label={t("catalogue.rowsLabel")}>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  {withSheets && <th scope="col">{t("catalogue.sheet")}</th>}
                  {columns.length > 0 ? (
                    columns.map((name, i) => (
                      <th key={i} scope="col">
                        {name}
                      </th>
                    ))
                  ) : (
                    <th scope="col">{t("catalogue.rowText")}</th>
                  )}
                </tr>
              </thead>
              <tbody>
                {page.rows.map((row) => (
                  <tr key={row.id} data-testid="catalogue-row">
                    <td className="catalogue-position">{row.position + 1}</td>
                    {withSheets && <td>{row.sheet ?? ""}</td>}
                    {columns.length > 0 ? (
                      columns.map((_, i) => <td key={i}>{row.cells[i] ?? ""}</td>)
                    ) : (
                      <td>{row.text}</td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      )}
      {page && total > 0 && (
        <div className="catalogue-pager">
          <span data-testid="catalogue-range">
            {needle
              ? t("catalogue.found", {
                  from: number(offset + 1),
                  to: number(offset + page.rows.length),
                  total: number(total),
                })
              : t("catalogue.range", {
                  from: number(offset + 1),
                  to: number(offset + page.rows.length),
                  total: number(total),
                })}
          </span>
          <span className="card-head-spacer" />
          <button
            type="button"
            className="button"
            disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - PAGE))}
          >
            {t("catalogue.previous")}
          </button>
          <button
            type="button"
            className="button"
            disabled={offset + PAGE >= total}
            onClick={() => setOffset(offset + PAGE)}
          >
            {t("catalogue.next")}
          </button>
        </div>
      )}
    </div>
  );
}
