import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type AssistantSettings } from "../api";
import { inputOf, PLACEHOLDERS } from "../assistant";
import { useAction } from "../hooks";
import { PersonaIcon } from "./Icon";
import { SectionHead } from "./ProjectDetail";
import { SaveFooter } from "./SaveFooter";

type Draft = {
  persona: string;
  agentName: string;
  brand: string;
  city: string;
  whatsappLink: string;
  catalogUrl: string;
  currency: string;
};

const FIELDS = ["agentName", "brand", "city", "whatsappLink", "catalogUrl", "currency"] as const;

const draftOf = (s: AssistantSettings): Draft => ({
  persona: s.persona ?? s.defaultPersona,
  agentName: s.agentName,
  brand: s.brand,
  city: s.city,
  whatsappLink: s.whatsappLink,
  catalogUrl: s.catalogUrl,
  currency: s.currency,
});

/**
 * Who the assistant is and how it talks: the persona (the default template
 * until the owner writes their own), and what its placeholders are filled from.
 */
export function PersonaSection({
  settings,
  projectName,
  onSaved,
}: {
  settings: AssistantSettings;
  projectName: string;
  onSaved: (s: AssistantSettings) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  // Null while untouched: then the form follows the settings as the engine reports them.
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction();
  const value = draftOf(settings);
  const shown = draft ?? value;
  const changed = draft != null && (Object.keys(value) as (keyof Draft)[]).some((k) => draft[k] !== value[k]);
  const isDefault = shown.persona.trim() === settings.defaultPersona.trim();

  const edit = (patch: Partial<Draft>) => {
    setSaved(false);
    setDraft({ ...shown, ...patch });
  };

  const save = () => {
    if (!changed || busy) return;
    void run(async () => {
      const persona = shown.persona.trim() === "" || isDefault ? null : shown.persona;
      const next = await api.saveAssistantSettings(settings.projectId, { ...inputOf(settings), ...shown, persona });
      onSaved(next);
      setDraft(null);
      setSaved(true);
    });
  };

  const placeholder: Record<(typeof FIELDS)[number], string> = {
    agentName: t("persona.agentNamePlaceholder"),
    brand: projectName,
    city: t("persona.cityPlaceholder"),
    whatsappLink: "https://wa.me/79991234567",
    catalogUrl: "https://shop.example/catalog",
    currency: "₽",
  };

  return (
    <section className="card" data-testid="persona" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<PersonaIcon size={16} />} title={t("persona.title")} />
      <p className="card-text">{t("persona.intro")}</p>
      <form
        className="project-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <fieldset className="plain-fieldset" disabled={busy}>
          <div className="field">
            <div className="persona-label">
              <label className="field-label" htmlFor={`${id}-persona`}>
                {t("persona.text")}
              </label>
              {isDefault && <span className="persona-default">{t("persona.isDefault")}</span>}
            </div>
            <textarea
              id={`${id}-persona`}
              className="persona-input"
              data-testid="persona-input"
              rows={12}
              value={shown.persona}
              onChange={(e) => edit({ persona: e.target.value })}
              spellCheck
            />
          </div>
          <div className="form-actions">
            <button
              type="button"
              className="link-button"
              data-testid="persona-reset"
              disabled={isDefault}
              onClick={() => edit({ persona: settings.defaultPersona })}
            >
              {t("persona.reset")}
            </button>
          </div>
          <dl className="placeholder-legend" aria-label={t("persona.legend")}>
            {PLACEHOLDERS.map((name) => (
              <div key={name} className="placeholder-legend-row">
                <dt>
                  <code>{`{${name}}`}</code>
                </dt>
                <dd>{t(`persona.placeholder.${name}`)}</dd>
              </div>
            ))}
          </dl>
          <div className="form-grid">
            {FIELDS.map((field) => (
              <label key={field} className="field">
                <span className="field-label">{t(`persona.${field}`)}</span>
                <input
                  type={field === "whatsappLink" || field === "catalogUrl" ? "url" : "text"}
                  data-testid={`persona-${field}`}
                  value={shown[field]}
                  placeholder={placeholder[field]}
                  onChange={(e) => edit({ [field]: e.target.value })}
                  maxLength={field === "currency" ? 16 : 500}
                  spellCheck={false}
                />
              </label>
            ))}
          </div>
        </fieldset>
        <SaveFooter
          testId="persona"
          error={error}
          changed={changed}
          busy={busy}
          saved={saved}
          onCancel={() => setDraft(null)}
        />
      </form>
    </section>
  );
}
