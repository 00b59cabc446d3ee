import { useTranslation } from "react-i18next";
import { LABEL_COLORS, type Label, type LabelColor } from "../api";
import { CrossIcon } from "./Icon";

/** A label's colour, as a dot. */
export function LabelDot({ color }: { color: LabelColor }) {
  return <span className={`label-dot label--${color}`} aria-hidden="true" />;
}

/** One label: its colour and name; with `onRemove`, a button that takes it off. */
export function LabelChip({ label, onRemove }: { label: Label; onRemove?: () => void }) {
  const { t } = useTranslation();
  return (
    <span className={`label-chip label--${label.color}`} data-testid="label-chip" data-label-id={label.id} title={label.name}>
      <span className="label-chip-name">{label.name}</span>
      {onRemove && (
        <button
          type="button"
          className="label-chip-remove"
          aria-label={t("labels.removeNamed", { name: label.name })}
          title={t("labels.removeNamed", { name: label.name })}
          onClick={onRemove}
        >
          <CrossIcon size={9} />
        </button>
      )}
    </span>
  );
}

/** A conversation's labels, the first `max` of them and "+N" for the rest. */
export function LabelChips({
  ids,
  byId,
  max = 2,
}: {
  ids: readonly number[];
  byId: ReadonlyMap<number, Label>;
  max?: number;
}) {
  const { t } = useTranslation();
  const labels = ids.flatMap((id) => {
    const label = byId.get(id);
    return label ? [label] : [];
  });
  if (labels.length === 0) return null;
  const shown = labels.slice(0, max);
  const rest = labels.slice(max);
  return (
    <span className="label-chips" data-testid="label-chips">
      {shown.map((label) => (
        <LabelChip key={label.id} label={label} />
      ))}
      {rest.length > 0 && (
        <span
          className="label-chip label-chip--more"
          data-testid="label-chips-more"
          title={rest.map((l) => l.name).join(", ")}
          aria-label={t("labels.more", { names: rest.map((l) => l.name).join(", ") })}
        >
          +{rest.length}
        </span>
      )}
    </span>
  );
}

/** The colours a label can have, as a row of swatches (a radio group). */
export function LabelColorChoice({
  value,
  onChange,
  testId,
  disabled,
}: {
  value: LabelColor;
  onChange: (color: LabelColor) => void;
  testId: string;
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <div className="label-colors" role="radiogroup" aria-label={t("labels.color")} data-testid={testId}>
      {LABEL_COLORS.map((color) => (
        <button
          key={color}
          type="button"
          role="radio"
          aria-checked={value === color}
          className={`label-swatch label--${color}${value === color ? " is-chosen" : ""}`}
          data-color={color}
          aria-label={t(`labels.colors.${color}`)}
          title={t(`labels.colors.${color}`)}
          disabled={disabled}
          onClick={() => onChange(color)}
        />
      ))}
    </div>
  );
}
