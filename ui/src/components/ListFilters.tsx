import { useEffect, useId, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import {
  api,
  CONVERSATION_SORTS,
  CONVERSATION_STATUSES,
  type ChannelKind,
  type ContactMatch,
  type ConversationSort,
  type ConversationStatus,
  type Label,
} from "../api";
import { formatDate } from "../format";
import { useDebounced } from "../hooks";
import { parseDateInput } from "../snooze";
import { ChannelSelect } from "./ChannelSelect";
import { DateRange } from "./DateRange";
import { Dropdown } from "./Dropdown";
import { CrossIcon, FilterIcon } from "./Icon";
import { LabelDot } from "./LabelChips";

/** The filters the Filters popover adds to the list's own (search, status, channel). */
export type ExtraFilters = {
  labelId: number | null;
  /** Only this customer's conversations. */
  contact: { id: number; name: string } | null;
  /** The first and the last day of the period, as a `date` input has them ("" for none). */
  from: string;
  to: string;
};

export const NO_EXTRA_FILTERS: ExtraFilters = { labelId: null, contact: null, from: "", to: "" };

/**
 * The period's `since` and `until` for the engine: the first day's local
 * midnight, and the midnight after the last day (the last day counts). A
 * period that ends before it starts is left out.
 */
export function periodOf(extra: ExtraFilters): { since: number | null; until: number | null; valid: boolean } {
  const since = parseDateInput(extra.from);
  const until = parseDateInput(extra.to, 1);
  if (since != null && until != null && since >= until) return { since: null, until: null, valid: false };
  return { since, until, valid: true };
}

type FilterProps = {
  status: ConversationStatus | null;
  channel: ChannelKind | null;
  extra: ExtraFilters;
  labels: Label[] | null;
  onStatus: (status: ConversationStatus | null) => void;
  onChannel: (channel: ChannelKind | null) => void;
  onExtra: (extra: ExtraFilters) => void;
};

/** "Filters ▾" next to the search: channel, status, label, period and customer. */
export function FiltersButton(props: FilterProps) {
  const { t } = useTranslation();
  const { status, channel, extra } = props;
  const active =
    (status != null ? 1 : 0) +
    (channel != null ? 1 : 0) +
    (extra.labelId != null ? 1 : 0) +
    (extra.from || extra.to ? 1 : 0) +
    (extra.contact != null ? 1 : 0);
  return (
    <Dropdown
      label={t("filters.title")}
      kind="dialog"
      className="filters"
      buttonClass={`button filters-button${active ? " is-active" : ""}`}
      testId="filters-button"
      title={t("filters.title")}
      content={
        <>
          <FilterIcon size={14} />
          <span className="visually-hidden">{t("filters.title")}</span>
          {active > 0 && (
            <span className="filters-count" data-testid="filters-count">
              {active}
            </span>
          )}
        </>
      }
      align="left"
    >
      {() => <FiltersForm {...props} />}
    </Dropdown>
  );
}

function FiltersForm({ status, channel, extra, labels, onStatus, onChannel, onExtra }: FilterProps) {
  const { t } = useTranslation();
  const id = useId();
  const period = periodOf(extra);
  return (
    <div className="filters-form" data-testid="filters-form">
      <div className="menu-title">{t("filters.title")}</div>
      <label className="field">
        <span className="field-label">{t("filters.channel")}</span>
        <ChannelSelect
          testId="filter-channel"
          value={channel}
          onChange={onChannel}
          allLabel={t("list.allChannels")}
        />
      </label>
      <label className="field">
        <span className="field-label">{t("filters.status")}</span>
        <select
          data-testid="filter-status"
          value={status ?? ""}
          onChange={(e) => onStatus((e.target.value || null) as ConversationStatus | null)}
        >
          <option value="">{t("filters.anyStatus")}</option>
          {CONVERSATION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">{t("filters.label")}</span>
        <select
          data-testid="filter-label"
          value={extra.labelId ?? ""}
          onChange={(e) => onExtra({ ...extra, labelId: e.target.value ? Number(e.target.value) : null })}
        >
          <option value="">{t("filters.anyLabel")}</option>
          {labels?.map((label) => (
            <option key={label.id} value={label.id}>
              {label.name}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="plain-fieldset filters-period" aria-describedby={`${id}-period`}>
        <legend className="field-label">{t("filters.period")}</legend>
        <DateRange
          from={extra.from}
          to={extra.to}
          onChange={(from, to) => onExtra({ ...extra, from, to })}
          labels={[t("filters.from"), t("filters.to")]}
          testIds={["filter-from", "filter-to"]}
          className="filters-date"
        />
      </fieldset>
      <p className={period.valid ? "hint" : "form-error"} id={`${id}-period`} role={period.valid ? undefined : "alert"}>
        {period.valid ? t("filters.periodHint") : t("filters.periodBackwards")}
      </p>
      <CustomerField
        contact={extra.contact}
        onChange={(contact) => onExtra({ ...extra, contact })}
      />
    </div>
  );
}

/** The customer whose conversations to show, found by name, phone or e-mail. */
function CustomerField({
  contact,
  onChange,
}: {
  contact: ExtraFilters["contact"];
  onChange: (contact: ExtraFilters["contact"]) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [text, setText] = useState("");
  const query = useDebounced(text.trim(), 250);
  const [found, setFound] = useState<ContactMatch[] | null>(null);

  useEffect(() => {
    if (!query) {
      setFound(null);
      return;
    }
    let live = true;
    api
      .searchContacts(query)
      .then((matches) => {
        if (live) setFound(matches.slice(0, 8));
      })
      .catch(() => {
        if (live) setFound([]);
      });
    return () => {
      live = false;
    };
  }, [query]);

  if (contact) {
    return (
      <div className="field">
        <span className="field-label">{t("filters.customer")}</span>
        <span className="filters-customer" data-testid="filter-customer-chosen">
          <span className="filters-customer-name">{contact.name}</span>
          <button
            type="button"
            className="icon-button"
            aria-label={t("filters.clearCustomer")}
            title={t("filters.clearCustomer")}
            onClick={() => onChange(null)}
          >
            <CrossIcon size={11} />
          </button>
        </span>
      </div>
    );
  }
  return (
    <div className="field">
      <label className="field-label" htmlFor={`${id}-customer`}>
        {t("filters.customer")}
      </label>
      <input
        id={`${id}-customer`}
        type="search"
        data-testid="filter-customer"
        value={text}
        placeholder={t("filters.customerPlaceholder")}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => setText(e.target.value)}
      />
      {found != null && (
        <ul className="filters-matches" aria-label={t("filters.customerMatches")}>
          {found.length === 0 && <li className="menu-note">{t("filters.noCustomer")}</li>}
          {found.map((match) => (
            <li key={match.id}>
              <button
                type="button"
                className="menu-item"
                data-testid="filter-customer-option"
                onClick={() => {
                  onChange({ id: match.id, name: match.displayName });
                  setText("");
                }}
              >
                <span className="menu-item-text">{match.displayName}</span>
                {(match.phone || match.email) && <span className="menu-item-aside">{match.phone ?? match.email}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The filters set, each a chip that removes it (the status has its tab). */
export function ActiveFilterChips({
  channel,
  extra,
  labelsById,
  onChannel,
  onExtra,
}: {
  channel: ChannelKind | null;
  extra: ExtraFilters;
  labelsById: ReadonlyMap<number, Label>;
  onChannel: (channel: ChannelKind | null) => void;
  onExtra: (extra: ExtraFilters) => void;
}) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const chips: { key: string; text: ReactNode; remove: () => void }[] = [];
  if (channel) chips.push({ key: "channel", text: t(`channel.${channel}`), remove: () => onChannel(null) });
  if (extra.labelId != null) {
    const label = labelsById.get(extra.labelId);
    chips.push({
      key: "label",
      text: (
        <>
          {label && <LabelDot color={label.color} />}
          {label?.name ?? t("filters.label")}
        </>
      ),
      remove: () => onExtra({ ...extra, labelId: null }),
    });
  }
  if (extra.from || extra.to) {
    const day = (value: string) => {
      const at = parseDateInput(value);
      return at == null ? "…" : formatDate(at, language);
    };
    const text = extra.from && extra.to
      ? t("filters.between", { from: day(extra.from), to: day(extra.to) })
      : extra.from
        ? t("filters.since", { from: day(extra.from) })
        : t("filters.until", { to: day(extra.to) });
    chips.push({ key: "period", text, remove: () => onExtra({ ...extra, from: "", to: "" }) });
  }
  if (extra.contact) {
    chips.push({ key: "customer", text: extra.contact.name, remove: () => onExtra({ ...extra, contact: null }) });
  }
  if (chips.length === 0) return null;
  return (
    <ul className="filter-chips" aria-label={t("filters.active")} data-testid="filter-chips">
      {chips.map((chip) => (
        <li key={chip.key} className="filter-chip" data-testid="filter-chip" data-filter={chip.key}>
          <span className="filter-chip-text">{chip.text}</span>
          <button
            type="button"
            className="filter-chip-remove"
            data-testid="filter-chip-remove"
            aria-label={t("filters.remove")}
            title={t("filters.remove")}
            onClick={chip.remove}
          >
            <CrossIcon size={9} />
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The list's order: newest first, unread first, or those waiting longest. */
export function SortSelect({ value, onChange }: { value: ConversationSort; onChange: (sort: ConversationSort) => void }) {
  const { t } = useTranslation();
  return (
    <select
      className="sort-select"
      data-testid="sort-select"
      value={value}
      aria-label={t("sort.label")}
      title={t(`sort.hint.${value}`)}
      onChange={(e) => onChange(e.target.value as ConversationSort)}
    >
      {CONVERSATION_SORTS.map((sort) => (
        <option key={sort} value={sort}>
          {t(`sort.${sort}`)}
        </option>
      ))}
    </select>
  );
}
