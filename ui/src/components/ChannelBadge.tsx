import { useTranslation } from "react-i18next";
import type { ChannelKind } from "../api";

export function ChannelBadge({ kind, long = false }: { kind: ChannelKind; long?: boolean }) {
  const { t } = useTranslation();
  return (
    <span className={`badge badge--${kind}`} title={t(`channel.${kind}`)} data-channel={kind}>
      {long ? t(`channel.${kind}`) : t(`channelShort.${kind}`)}
    </span>
  );
}
