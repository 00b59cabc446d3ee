import { useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, CATALOGUE_ACCEPT, MAX_CATALOGUE_BYTES, type CatalogueProblem, type ImportStage } from "../api";
import { readBase64 } from "../files";
import { formatFull, formatSize } from "../format";
import { useAction, useEngineEvents } from "../hooks";
import { useCatalogue } from "../useAssistant";
import { CatalogueTable } from "./CatalogueTable";
import { DangerZone } from "./DangerZone";
import { AlertIcon, TableIcon } from "./Icon";
import { SectionHead } from "./ProjectDetail";

type Progress = { stage: ImportStage; done: number; total: number };
type Refusal = { problem: CatalogueProblem; detail: string; maxBytes: number };

const megabytes = (bytes: number) => Math.round(bytes / 1024 / 1024);

/**
 * The project's catalogue: the file the assistant answers from (uploaded,
 * replaced, removed), how its import is going, and its rows.
 */
export function CatalogueSection({ projectId }: { projectId: number }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const { value: catalogue, apply } = useCatalogue(projectId);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [refused, setRefused] = useState<Refusal | null>(null);
  const { busy, error, run } = useAction();
  const fileRef = useRef<HTMLInputElement>(null);
  const importing = useRef(false);

  useEngineEvents((event) => {
    if (event.type !== "catalogue_progress" || event.project_id !== projectId || !importing.current) return;
    setProgress({ stage: event.stage, done: event.done, total: event.total });
  });

  const upload = (file: File) => {
    setRefused(null);
    if (file.size > MAX_CATALOGUE_BYTES) {
      setRefused({ problem: "too_large", detail: "", maxBytes: MAX_CATALOGUE_BYTES });
      return;
    }
    importing.current = true;
    setProgress({ stage: "reading", done: 0, total: 0 });
    void run(async () => {
      try {
        const base64 = await readBase64(file);
        // Imported, or refused with the reason: a refusal is an answer, not a failure.
        const outcome = await api.importCatalogue(projectId, file.name, base64);
        if (outcome.result === "refused") {
          setRefused({ problem: outcome.problem, detail: outcome.detail, maxBytes: outcome.max_bytes });
        } else {
          apply(outcome.catalogue);
        }
      } finally {
        importing.current = false;
        setProgress(null);
      }
    });
  };

  const percent = progress && progress.total > 0 ? Math.round((progress.done / progress.total) * 100) : null;

  return (
    <section className="card" data-testid="catalogue" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<TableIcon size={16} />} title={t("catalogue.title")} />
      <p className="card-text">{t("catalogue.intro", { max: megabytes(MAX_CATALOGUE_BYTES) })}</p>

      {catalogue ? (
        <dl className="facts catalogue-facts" data-testid="catalogue-facts">
          <div className="fact">
            <dt>{t("catalogue.file")}</dt>
            <dd className="selectable" data-testid="catalogue-file-name">
              {catalogue.fileName}
            </dd>
          </div>
          <div className="fact">
            <dt>{t("catalogue.format")}</dt>
            <dd>
              {catalogue.format.toUpperCase()} · {formatSize(catalogue.size, i18n.language)}
            </dd>
          </div>
          <div className="fact">
            <dt>{t("catalogue.rows")}</dt>
            <dd data-testid="catalogue-row-count">{catalogue.rowCount.toLocaleString(i18n.language)}</dd>
          </div>
          <div className="fact">
            <dt>{t("catalogue.importedAt")}</dt>
            <dd>{formatFull(catalogue.importedAt, i18n.language)}</dd>
          </div>
        </dl>
      ) : (
        catalogue === null && (
          <p className="card-text muted" data-testid="catalogue-none">
            {t("catalogue.none")}
          </p>
        )
      )}

      <div className="form-actions">
        <button
          type="button"
          className={`button${catalogue ? "" : " button--primary"}`}
          data-testid="catalogue-upload"
          disabled={busy}
          onClick={() => fileRef.current?.click()}
        >
          {catalogue ? t("catalogue.replace") : t("catalogue.upload")}
        </button>
        <input
          ref={fileRef}
          type="file"
          accept={CATALOGUE_ACCEPT}
          className="visually-hidden"
          data-testid="catalogue-file"
          tabIndex={-1}
          aria-hidden="true"
          onChange={(e) => {
            const file = e.target.files?.[0];
            // The same file can be chosen again.
            e.target.value = "";
            if (file) upload(file);
          }}
        />
        <span className="hint">{t("catalogue.formats", { max: megabytes(MAX_CATALOGUE_BYTES) })}</span>
      </div>

      {progress && (
        <div className="catalogue-progress" data-testid="catalogue-progress" data-stage={progress.stage}>
          <span className="catalogue-progress-label" id={`${id}-progress`}>
            {t(`catalogue.stage.${progress.stage}`, { done: progress.done, total: progress.total })}
            {percent != null && progress.stage === "parsing" ? ` ${percent}%` : ""}
          </span>
          <progress
            aria-labelledby={`${id}-progress`}
            max={progress.total > 0 ? progress.total : undefined}
            value={progress.total > 0 ? progress.done : undefined}
          />
        </div>
      )}

      {refused && (
        <div
          className="problem problem--refused"
          data-testid="catalogue-refused"
          data-problem={refused.problem}
          role="alert"
        >
          <AlertIcon size={15} className="problem-icon" />
          <span className="problem-main">
            <span className="problem-lead">{t("catalogue.refused")}</span>
            <span>{t(`catalogue.problem.${refused.problem}`, { max: megabytes(refused.maxBytes) })}</span>
            {refused.detail && (
              <span className="problem-detail selectable">{t("catalogue.detail", { detail: refused.detail })}</span>
            )}
          </span>
        </div>
      )}
      {error && (
        <p className="form-error" data-testid="catalogue-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}

      {catalogue && <CatalogueTable key={catalogue.importedAt} projectId={projectId} catalogue={catalogue} />}
      {catalogue && (
        <DangerZone
          text={{
            action: t("catalogue.remove"),
            question: t("catalogue.removeQuestion"),
            explanation: t("catalogue.removeText"),
            confirm: t("catalogue.removeConfirm"),
            working: t("catalogue.removing"),
            cancel: t("projects.cancel"),
            testId: "catalogue-remove",
            confirmTestId: "catalogue-remove-confirm",
            errorTestId: "catalogue-error",
          }}
          onConfirm={async () => {
            await api.removeCatalogue(projectId);
            apply(null);
          }}
        />
      )}
    </section>
  );
}
