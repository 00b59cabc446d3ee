import { useTranslation } from "react-i18next";
import { CONNECTABLE_CHANNEL_KINDS, type ChannelKind } from "../api";

/** A choice of one channel, or every channel (`null`, named `allLabel`). */
export function ChannelSelect({
  value,
  onChange,
  allLabel,
  testId,
  className,
  ariaLabel,
}: {
  value: ChannelKind | null;
  onChange: (channel: ChannelKind | null) => void;
  allLabel: string;
  testId: string;
  className?: string;
  ariaLabel?: string;
}) {
  const { t } = useTranslation();
  return (
    <select
      className={className}
      data-testid={testId}
      value={value ?? ""}
      onChange={(e) => onChange((e.target.value || null) as ChannelKind | null)}
      aria-label={ariaLabel}
    >
      <option value="">{allLabel}</option>
      {CONNECTABLE_CHANNEL_KINDS.map((kind) => (
        <option key={kind} value={kind}>
          {t(`channel.${kind}`)}
        </option>
      ))}
    </select>
  );
}
