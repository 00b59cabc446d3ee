import { useId, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, type Project, type QuickReply, type QuickReplyImport } from "../api";
import { apiMessage, errorText } from "../errors";
import { useAction } from "../hooks";
import { useEngineValue } from "../useAssistant";
import {
  cleanQuickReplyName,
  QUICK_REPLY_NAME_MAX,
  QUICK_REPLY_PLACEHOLDERS,
  useQuickReplies,
  validQuickReplyName,
} from "../useQuickReplies";
import { CreateFooter } from "./CreateFooter";
import { AlertIcon, CheckIcon, DownloadIcon, ReplyIcon } from "./Icon";
import { InlineConfirm } from "./InlineConfirm";
import { SectionHead } from "./ProjectDetail";
import { SavedFile, useSaveFile } from "./SavedFile";

/** A quick reply's text in one line, for the list. */
function preview(text: string, max = 140): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

const loadProjects = () => api.listProjects();

/**
 * Quick replies (Settings): saved answers inserted by typing `/` and their
 * name in the composer, for one project or every project, with the
 * persona's placeholders filled for each conversation. Made, changed and
 * deleted here; exchanged with other shops (or a spreadsheet) as CSV.
 */
export function QuickRepliesSection() {
  const { t } = useTranslation();
  const id = useId();
  const { value: replies, error: loadError, reload } = useQuickReplies("all");
  const { value: projects } = useEngineValue(loadProjects, (e) => e.type === "project_changed", "projects");
  /** The quick reply made or changed from here, marked as such in the list. */
  const [fresh, setFresh] = useState<number | null>(null);

  return (
    <section className="card quick-replies" data-testid="settings-quick-replies" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<ReplyIcon size={16} />} title={t("quickReplies.title")} />
      <p className="card-text">{t("quickReplies.intro")}</p>
      {replies == null && loadError == null && <p className="hint">{t("accounts.loading")}</p>}
      {replies == null && loadError != null && (
        <p className="form-error" role="alert" data-testid="quick-replies-load-error">
          <AlertIcon size={14} />
          {errorText(loadError, t)}
        </p>
      )}
      {replies && (
        <>
          <QuickReplyList
            replies={replies}
            projects={projects ?? []}
            fresh={fresh}
            onSaved={(saved) => {
              setFresh(saved);
              reload();
            }}
            onDeleted={reload}
          />
          <QuickReplyForm
            projects={projects ?? []}
            onSaved={(made) => {
              setFresh(made.id);
              reload();
            }}
          />
          <CsvExchange onImported={reload} />
        </>
      )}
    </section>
  );
}

function QuickReplyList({
  replies,
  projects,
  fresh,
  onSaved,
  onDeleted,
}: {
  replies: QuickReply[];
  projects: Project[];
  fresh: number | null;
  onSaved: (id: number) => void;
  onDeleted: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [asking, setAsking] = useState<number | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const { busy, error, run } = useAction();

  const remove = (reply: QuickReply) =>
    void run(async () => {
      await api.deleteQuickReply(reply.id);
      setAsking(null);
      onDeleted();
    });

  return (
    <div className="api-tokens-list-block">
      <h3 className="team-subhead" id={`${id}-title`}>
        {t("quickReplies.listTitle")}
      </h3>
      {replies.length === 0 ? (
        <p className="card-text muted" data-testid="quick-replies-none">
          {t("quickReplies.none")}
        </p>
      ) : (
        <ul className="api-tokens-list" aria-labelledby={`${id}-title`} data-testid="quick-replies-list">
          {replies.map((reply) =>
            editing === reply.id ? (
              <li
                key={reply.id}
                className="api-token-row quick-reply-row is-editing"
                data-testid="quick-reply"
                data-name={reply.name}
              >
                <QuickReplyForm
                  projects={projects}
                  editing={reply}
                  onSaved={(saved) => {
                    setEditing(null);
                    onSaved(saved.id);
                  }}
                  onClose={() => setEditing(null)}
                />
              </li>
            ) : (
              <li
                key={reply.id}
                className={`api-token-row quick-reply-row${reply.id === fresh ? " is-new" : ""}`}
                data-testid="quick-reply"
                data-name={reply.name}
              >
                <div className="api-token-main">
                  <code className="api-token-name quick-reply-name" data-testid="quick-reply-name">
                    /{reply.name}
                  </code>
                  <span className="api-scope" data-testid="quick-reply-project">
                    {reply.projectId == null ? t("quickReplies.allProjects") : (reply.projectName ?? `#${reply.projectId}`)}
                  </span>
                </div>
                <p className="api-token-meta quick-reply-text" data-testid="quick-reply-text" title={reply.text}>
                  {preview(reply.text)}
                </p>
                <div className="api-token-action quick-reply-actions">
                  {asking !== reply.id && (
                    <>
                      <button
                        type="button"
                        className="button api-token-revoke"
                        data-testid="quick-reply-edit"
                        aria-label={t("quickReplies.editNamed", { name: reply.name })}
                        disabled={busy}
                        onClick={() => {
                          setAsking(null);
                          setEditing(reply.id);
                        }}
                      >
                        {t("quickReplies.edit")}
                      </button>
                      <button
                        type="button"
                        className="button api-token-revoke"
                        data-testid="quick-reply-delete"
                        aria-label={t("quickReplies.deleteNamed", { name: reply.name })}
                        disabled={busy}
                        onClick={() => setAsking(reply.id)}
                      >
                        {t("quickReplies.delete")}
                      </button>
                    </>
                  )}
                </div>
                {asking === reply.id && (
                  <InlineConfirm
                    testId="quick-reply-confirm"
                    actionTestId="quick-reply-delete"
                    text={{
                      question: t("quickReplies.deleteQuestion", { name: reply.name }),
                      explanation: t("quickReplies.deleteText"),
                      confirm: t("quickReplies.deleteConfirm"),
                      working: t("quickReplies.deleting"),
                    }}
                    busy={busy}
                    onConfirm={() => remove(reply)}
                    onCancel={() => setAsking(null)}
                  />
                )}
              </li>
            ),
          )}
        </ul>
      )}
      {error && (
        <p className="form-error" data-testid="quick-replies-delete-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </div>
  );
}

/** A new quick reply, or one being changed: its name, its project (or every project) and its text. */
function QuickReplyForm({
  projects,
  editing = null,
  onSaved,
  onClose,
}: {
  projects: Project[];
  editing?: QuickReply | null;
  onSaved: (reply: QuickReply) => void;
  onClose?: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [name, setName] = useState(editing?.name ?? "");
  const [projectId, setProjectId] = useState<number | null>(editing?.projectId ?? null);
  const [text, setText] = useState(editing?.text ?? "");
  const { busy, error, run } = useAction();
  const nameProblem = name.trim() !== "" && !validQuickReplyName(name);
  const valid = validQuickReplyName(name) && text.trim() !== "";
  const testId = editing ? "quick-reply-form-edit" : "quick-replies-form";
  // A project gone since keeps its place in the choice.
  const shownProjects: { id: number; name: string }[] =
    editing?.projectId != null && !projects.some((p) => p.id === editing.projectId)
      ? [...projects, { id: editing.projectId, name: editing.projectName ?? `#${editing.projectId}` }]
      : projects;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid || busy) return;
    const input = { projectId, name: cleanQuickReplyName(name), text: text.trim() };
    void run(async () => {
      const saved = editing ? await api.updateQuickReply(editing.id, input) : await api.createQuickReply(input);
      if (!editing) {
        setName("");
        setText("");
      }
      onSaved(saved);
    });
  };

  return (
    <form className="api-tokens-form quick-reply-form" onSubmit={submit} noValidate data-testid={testId}>
      {!editing && <h3 className="team-subhead">{t("quickReplies.newTitle")}</h3>}
      <div className="quick-reply-form-fields">
        <label className="field">
          <span className="field-label">{t("quickReplies.name")}</span>
          <span className="quick-reply-name-input">
            <span className="quick-reply-slash" aria-hidden="true">
              /
            </span>
            <input
              type="text"
              data-testid={`${testId}-name`}
              value={name}
              required
              spellCheck={false}
              autoComplete="off"
              maxLength={QUICK_REPLY_NAME_MAX + 1}
              placeholder={t("quickReplies.namePlaceholder")}
              aria-invalid={nameProblem || undefined}
              aria-describedby={`${id}-name`}
              disabled={busy}
              onChange={(e) => setName(e.target.value)}
            />
          </span>
        </label>
        <label className="field">
          <span className="field-label">{t("quickReplies.project")}</span>
          <select
            data-testid={`${testId}-project`}
            value={projectId ?? ""}
            disabled={busy}
            onChange={(e) => setProjectId(e.target.value ? Number(e.target.value) : null)}
          >
            <option value="">{t("quickReplies.allProjects")}</option>
            {shownProjects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className={nameProblem ? "hint field-error" : "hint"} id={`${id}-name`}>
        {t("quickReplies.nameHint", { max: QUICK_REPLY_NAME_MAX })}
      </p>
      <label className="field">
        <span className="field-label">{t("quickReplies.text")}</span>
        <textarea
          data-testid={`${testId}-text`}
          value={text}
          rows={4}
          required
          aria-describedby={`${id}-placeholders`}
          disabled={busy}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <p className="hint quick-reply-placeholders" id={`${id}-placeholders`} data-testid="quick-replies-placeholders">
        {t("quickReplies.placeholdersHint")}{" "}
        {QUICK_REPLY_PLACEHOLDERS.map((p, i) => (
          <span key={p}>
            {i > 0 && ", "}
            <code title={p === "CUSTOMER_NAME" ? t("quickReplies.customerName") : t(`persona.placeholder.${p}`)}>
              {`{${p}}`}
            </code>
          </span>
        ))}
      </p>
      <CreateFooter
        testId={editing ? `${testId}-save` : "quick-replies-create"}
        errorTestId={editing ? `${testId}-error` : undefined}
        label={editing ? t("quickReplies.save") : t("quickReplies.create")}
        working={editing ? t("quickReplies.saving") : t("quickReplies.creating")}
        valid={valid}
        busy={busy}
        error={error}
        cancel={editing && onClose ? { testId: `${testId}-close`, onCancel: onClose } : undefined}
      />
    </form>
  );
}

/** Import from a CSV file (every line checked first; one bad line refuses the file) and export to Downloads. */
function CsvExchange({ onImported }: { onImported: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [importing, setImporting] = useState(false);
  const [imported, setImported] = useState<QuickReplyImport | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const exporting = useSaveFile(() => api.exportQuickReplies(null));

  const importFile = async (file: File | undefined) => {
    if (!file) return;
    setImporting(true);
    setImported(null);
    setImportError(null);
    try {
      const csv = await file.text();
      setImported(await api.importQuickReplies(csv));
      onImported();
    } catch (reason) {
      setImportError(apiMessage(reason, t));
    } finally {
      setImporting(false);
      // The same file can be chosen again (fixed) after a refusal.
      if (fileRef.current) fileRef.current.value = "";
    }
  };

  return (
    <div className="quick-replies-csv" data-testid="quick-replies-csv">
      <h3 className="team-subhead">{t("quickReplies.csvTitle")}</h3>
      <p className="hint" id={`${id}-csv`}>
        {t("quickReplies.csvHint")}
      </p>
      <div className="form-actions">
        <button
          type="button"
          className="button"
          data-testid="quick-replies-import"
          aria-describedby={`${id}-csv`}
          disabled={importing}
          aria-busy={importing || undefined}
          onClick={() => fileRef.current?.click()}
        >
          {importing ? t("quickReplies.importing") : t("quickReplies.import")}
        </button>
        <input
          ref={fileRef}
          type="file"
          accept=".csv,text/csv,text/plain"
          className="visually-hidden"
          data-testid="quick-replies-import-file"
          tabIndex={-1}
          aria-hidden="true"
          onChange={(e) => void importFile(e.target.files?.[0])}
        />
        <button
          type="button"
          className="button"
          data-testid="quick-replies-export"
          disabled={exporting.busy}
          aria-busy={exporting.busy || undefined}
          onClick={exporting.run}
        >
          <DownloadIcon size={14} />
          {exporting.busy ? t("quickReplies.exporting") : t("quickReplies.export")}
        </button>
      </div>
      {imported && (
        <p className="quick-replies-imported" role="status" data-testid="quick-replies-imported">
          <CheckIcon size={13} />
          {t("quickReplies.imported", { added: imported.added, updated: imported.updated })}
        </p>
      )}
      {importError && (
        <p className="form-error" role="alert" data-testid="quick-replies-import-error">
          <AlertIcon size={14} />
          {t("quickReplies.importFailed", { error: importError })}
        </p>
      )}
      {exporting.saved && (
        <SavedFile
          path={exporting.saved}
          text={t("quickReplies.exported", { path: exporting.saved })}
          testId="quick-replies-saved"
        />
      )}
      {exporting.error != null && (
        <p className="form-error" role="alert" data-testid="quick-replies-export-error">
          <AlertIcon size={14} />
          {apiMessage(exporting.error, t)}
        </p>
      )}
    </div>
  );
}
