import {
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
  type Ref,
} from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useTranslation } from "react-i18next";
import {
  CONVERSATION_STATUSES,
  type AssigneeFilter,
  type ChannelKind,
  type ConversationSort,
  type ConversationStatus,
  type StatusCounts,
} from "../api";
import { useDebounced, useEngineEvents, useNow } from "../hooks";
import { useConversationPages } from "../useConversationPages";
import { inboxDrawn } from "../inboxShown";
import { formatFull, formatListTime, formatWeekdayClock } from "../format";
import { errorText } from "../errors";
import { waitedFor } from "../snooze";
import { useLabels } from "../useLabels";
import { useSelection } from "../useSelection";
import { isTextField } from "../useShortcuts";
import type { Team } from "../useTeam";
import { AssigneeFilterSelect } from "./Assignment";
import { BulkBar } from "./BulkBar";
import { ChannelSelect } from "./ChannelSelect";
import { ConversationRow } from "./ConversationRow";
import { CrossIcon, MoonIcon, SearchIcon } from "./Icon";
import {
  ActiveFilterChips,
  FiltersButton,
  NO_EXTRA_FILTERS,
  periodOf,
  SortSelect,
  type ExtraFilters,
} from "./ListFilters";

export const ROW_HEIGHT = 68;
export const SEARCH_DEBOUNCE_MS = 250;

const COUNT_KEY: Record<ConversationStatus, keyof StatusCounts> = {
  awaiting_response: "awaitingResponse",
  answered_by_assistant: "answeredByAssistant",
  needs_human: "needsHuman",
  closed: "closed",
};

type Props = {
  selectedId: number | null;
  onSelect: (id: number) => void;
  counts: StatusCounts | null;
  onOpenTestChat: () => void;
  /** The team: with one, the list filters by assignee. */
  team: Team;
  /** What the keyboard shortcuts do with the list. */
  handle?: Ref<ConversationListHandle>;
  /** The search text in force (the open conversation marks its words). */
  onSearch?: (search: string) => void;
};

/** The list's part in the keyboard shortcuts (useShortcuts). */
export type ConversationListHandle = {
  /** Opens the next (1) or the previous (-1) conversation, scrolled into view. */
  step: (delta: 1 | -1) => void;
  /** Puts the cursor in the search field, its text selected. */
  focusSearch: () => void;
  /** The conversation to open when this one leaves the list (snoozed): the next, else the one before. */
  neighbour: (id: number) => number | null;
};

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement
  );
}

export function ConversationList({ selectedId, onSelect, counts, onOpenTestChat, team, handle, onSearch }: Props) {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState<ConversationStatus | null>(null);
  const [channel, setChannel] = useState<ChannelKind | null>(null);
  const [chosenAssignee, setAssignee] = useState<AssigneeFilter | null>(null);
  const [searchText, setSearchText] = useState("");
  const search = useDebounced(searchText.trim(), SEARCH_DEBOUNCE_MS);
  const [extra, setExtra] = useState<ExtraFilters>(NO_EXTRA_FILTERS);
  const [snoozed, setSnoozed] = useState(false);
  const [sort, setSort] = useState<ConversationSort>("recent");
  const labels = useLabels();
  useEffect(() => onSearch?.(search), [search, onSearch]);

  // Filtering by assignee needs a team, and "Mine" the owner's link: without them the filter is off.
  const hasTeam = (team.people?.length ?? 0) > 0;
  const assignee =
    hasTeam && (chosenAssignee !== "mine" || team.owner != null) ? chosenAssignee : null;

  const period = periodOf(extra);
  const query = useMemo(
    () => ({
      status,
      channel,
      assignee,
      search: search || null,
      labelId: extra.labelId,
      contactId: extra.contact?.id ?? null,
      since: period.since,
      until: period.until,
      snoozed,
      sort: sort === "recent" ? null : sort,
    }),
    [status, channel, assignee, search, extra.labelId, extra.contact, period.since, period.until, snoozed, sort],
  );
  const pages = useConversationPages(query);
  const { total, version, ensureRange, invalidate, rowAt, indexOf, loaded } = pages;
  const now = useNow();
  const queryKey = JSON.stringify(query);
  const selection = useSelection({ indexOf, rowAt, loaded }, queryKey);
  const selecting = selection.selected.size > 0;

  // Live updates: coalesce a burst of engine events into one refresh.
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEngineEvents(() => {
    if (refreshTimer.current) clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(invalidate, 30);
  });
  useEffect(
    () => () => {
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
    },
    [],
  );

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const items = virtualizer.getVirtualItems();
  const first = items.length ? items[0].index : 0;
  const last = items.length ? items[items.length - 1].index : 0;

  useEffect(() => {
    if (total) ensureRange(first, last);
  }, [first, last, total, ensureRange]);

  // The first rows drawn (or the empty inbox): the shell logs when the inbox first showed.
  const drawn = total === 0 || (items.length > 0 && rowAt(first) != null);
  useEffect(() => {
    if (drawn) inboxDrawn();
  }, [drawn]);

  // A new query starts at the top.
  useLayoutEffect(() => {
    virtualizer.scrollToOffset(0);
  }, [query, virtualizer]);

  // Keyboard: ↑/↓ move the selection (when not typing somewhere).
  const pendingIndex = useRef<number | null>(null);
  const selectIndex = useCallback(
    (index: number) => {
      if (total == null || total === 0) return;
      const target = Math.min(Math.max(index, 0), total - 1);
      virtualizer.scrollToIndex(target, { align: "auto" });
      const row = rowAt(target);
      if (row) {
        pendingIndex.current = null;
        onSelect(row.id);
      } else {
        pendingIndex.current = target;
        ensureRange(target, target);
      }
    },
    [total, virtualizer, rowAt, onSelect, ensureRange],
  );

  useEffect(() => {
    if (pendingIndex.current == null) return;
    const row = rowAt(pendingIndex.current);
    if (row) {
      pendingIndex.current = null;
      onSelect(row.id);
    }
  }, [version, rowAt, onSelect]);

  const step = useCallback(
    (delta: 1 | -1) => {
      const current = selectedId == null ? -1 : indexOf(selectedId);
      if (current < 0) selectIndex(0);
      else selectIndex(current + delta);
    },
    [selectedId, indexOf, selectIndex],
  );

  const listPaneRef = useRef<HTMLElement>(null);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      // Ctrl/⌘+A ticks every loaded row (in the list, or while some are ticked); Escape unticks them.
      if (event.defaultPrevented || isTextField(event.target)) return;
      const mod = event.ctrlKey || event.metaKey;
      const inList = listPaneRef.current?.contains(event.target as Node) || event.target === document.body;
      if (mod && !event.altKey && event.code === "KeyA" && (selecting || inList)) {
        event.preventDefault();
        selection.selectAll();
        return;
      }
      if (event.key === "Escape" && selecting && !mod) {
        event.preventDefault();
        selection.clear();
        return;
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [selecting, selection.selectAll, selection.clear]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      if (event.altKey || event.ctrlKey || event.metaKey || isEditable(event.target)) return;
      event.preventDefault();
      step(event.key === "ArrowDown" ? 1 : -1);
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [step]);

  const searchRef = useRef<HTMLInputElement>(null);
  useImperativeHandle(
    handle,
    () => ({
      step,
      focusSearch: () => {
        searchRef.current?.focus();
        searchRef.current?.select();
      },
      neighbour: (id: number) => {
        const at = indexOf(id);
        if (at < 0) return null;
        return (rowAt(at + 1) ?? rowAt(at - 1))?.id ?? null;
      },
    }),
    [step, indexOf, rowAt],
  );

  const filtered =
    status != null ||
    channel != null ||
    assignee != null ||
    search !== "" ||
    extra.labelId != null ||
    extra.contact != null ||
    extra.from !== "" ||
    extra.to !== "";
  const resetFilters = () => {
    setStatus(null);
    setChannel(null);
    setAssignee(null);
    setSearchText("");
    setExtra(NO_EXTRA_FILTERS);
  };
  const showStatus = (next: ConversationStatus | null) => {
    setStatus(next);
    setSnoozed(false);
  };

  let empty: "no-conversations" | "no-results" | "no-snoozed" | null = null;
  if (total === 0) {
    if (snoozed && !filtered) empty = "no-snoozed";
    else empty = (counts?.all === 0 && !counts.snoozed) || (!counts && !filtered) ? "no-conversations" : "no-results";
  }
  const selectedIds = [...selection.selected];
  const selectedRows = selecting ? loaded().filter((row) => selection.selected.has(row.id)) : [];

  const language = i18n.language;

  return (
    <section ref={listPaneRef} className="list-pane" aria-label={t("list.label")}>
      <div className={`list-header${selecting ? " is-selecting" : ""}`}>
        <div className="list-header-content" aria-hidden={selecting || undefined}>
          <div className={`list-filters${hasTeam ? " list-filters--team" : ""}`}>
            <div className="search">
              <SearchIcon className="search-icon" />
              <input
                ref={searchRef}
                type="search"
                data-testid="search-input"
                value={searchText}
                onChange={(e) => setSearchText(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Escape" && searchText) {
                    // Clears first (and stays); Escape in the empty field leaves it (useShortcuts).
                    e.preventDefault();
                    setSearchText("");
                  } else if (e.key === "Enter" && !e.nativeEvent.isComposing) {
                    // From the search to the results: J/K and the arrows move through them.
                    e.preventDefault();
                    scrollRef.current?.focus();
                  }
                }}
                placeholder={t("list.searchPlaceholder")}
                aria-label={t("list.searchLabel")}
                spellCheck={false}
              />
              {searchText && (
                <button
                  type="button"
                  className="search-clear"
                  onClick={() => setSearchText("")}
                  aria-label={t("list.clearSearch")}
                  title={t("list.clearSearch")}
                >
                  <CrossIcon size={12} />
                </button>
              )}
            </div>
            <ChannelSelect
              className="channel-filter"
              testId="channel-filter"
              value={channel}
              onChange={setChannel}
              allLabel={t("list.allChannels")}
              ariaLabel={t("list.channelFilterLabel")}
            />
            <FiltersButton
              status={status}
              channel={channel}
              extra={extra}
              labels={labels.labels}
              onStatus={showStatus}
              onChannel={setChannel}
              onExtra={setExtra}
            />
            {hasTeam && (
              <AssigneeFilterSelect value={assignee} onChange={setAssignee} ownerLinked={team.owner != null} />
            )}
          </div>

          <div className="list-toolbar">
            <ActiveFilterChips
              channel={channel}
              extra={extra}
              labelsById={labels.byId}
              onChannel={setChannel}
              onExtra={setExtra}
            />
            <SortSelect value={sort} onChange={setSort} />
          </div>

          <div className="status-tabs" role="group" aria-label={t("list.statusFilterLabel")}>
            <StatusTab
              language={language}
              testId="status-filter-all"
              label={t("status.all")}
              count={counts?.all}
              active={status == null && !snoozed}
              onClick={() => showStatus(null)}
            />
            {CONVERSATION_STATUSES.map((s) => (
              <StatusTab
                key={s}
                language={language}
                testId={`status-filter-${s}`}
                label={t(`status.${s}`)}
                title={t(`statusHint.${s}`)}
                count={counts?.[COUNT_KEY[s]]}
                active={status === s && !snoozed}
                dot={s}
                onClick={() => showStatus(s)}
              />
            ))}
            <StatusTab
              language={language}
              testId="status-filter-snoozed"
              label={t("snooze.tab")}
              title={t("snooze.tabHint")}
              count={counts?.snoozed}
              active={snoozed}
              icon={<MoonIcon size={11} />}
              onClick={() => {
                setSnoozed(true);
                setStatus(null);
              }}
            />
          </div>
        </div>
        {selecting && (
          <BulkBar
            ids={selectedIds}
            rows={selectedRows}
            labels={labels.labels}
            closedTab={status === "closed" && !snoozed}
            snoozedTab={snoozed}
            onDone={selection.clear}
            onClear={selection.clear}
          />
        )}
      </div>

      <div className="list-body">
        <div
          ref={scrollRef}
          className="list-scroll"
          data-testid="conversation-list"
          role="listbox"
          aria-label={t("list.label")}
          aria-activedescendant={selectedId != null ? `conversation-${selectedId}` : undefined}
          tabIndex={0}
        >
          <div className="list-sizer" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const row = rowAt(item.index);
              return (
                <div
                  key={row ? `c${row.id}` : `i${item.index}`}
                  className="row-slot"
                  style={{ height: item.size, transform: `translateY(${item.start}px)` }}
                >
                  {row ? (
                    <ConversationRow
                      conversation={row}
                      selected={row.id === selectedId}
                      onSelect={onSelect}
                      time={formatListTime(row.lastMessageAt, now, t, language)}
                      fullTime={formatFull(row.lastMessageAt, language)}
                      language={language}
                      labelsById={labels.byId}
                      checked={selection.selected.has(row.id)}
                      selecting={selecting}
                      onCheck={selection.toggle}
                      waiting={sort === "waiting" ? waitedFor(row.lastMessageAt, now, t) : undefined}
                      snoozedUntil={
                        row.snoozedUntil != null && row.snoozedUntil > now
                          ? formatWeekdayClock(row.snoozedUntil, language)
                          : undefined
                      }
                    />
                  ) : (
                    <div className="row row--placeholder" aria-hidden="true">
                      <div className="avatar avatar--placeholder" />
                      <div className="row-main">
                        <div className="skeleton skeleton--name" />
                        <div className="skeleton skeleton--text" />
                      </div>
                    </div>
                  )}
                </div>
              );
            })}
          </div>
        </div>

        {total == null && !pages.error && <div className="list-note">{t("list.loading")}</div>}
        {pages.error != null && total == null && (
          <div className="list-note list-note--error" role="alert">
            {errorText(pages.error, t)}
          </div>
        )}

        {empty === "no-conversations" && (
          <div className="empty-state" data-testid="empty-state" data-kind="no-conversations">
            <div className="empty-illustration" aria-hidden="true">
              <span />
              <span />
              <span />
            </div>
            <p>{t("empty.noConversations")}</p>
            <button type="button" className="button button--primary" onClick={onOpenTestChat}>
              {t("empty.openTestChat")}
            </button>
          </div>
        )}
        {empty === "no-snoozed" && (
          <div className="empty-state" data-testid="empty-state" data-kind="no-snoozed">
            <p className="empty-title">{t("snooze.noneTitle")}</p>
            <p className="empty-hint">{t("snooze.noneHint")}</p>
          </div>
        )}
        {empty === "no-results" && (
          <div className="empty-state" data-testid="empty-state" data-kind="no-results">
            <p className="empty-title">{t("empty.noResults")}</p>
            <p className="empty-hint">{t("empty.noResultsHint")}</p>
            <button type="button" className="button" onClick={resetFilters}>
              {t("empty.resetFilters")}
            </button>
          </div>
        )}
      </div>
    </section>
  );
}

function compactCount(count: number, language: string): string {
  if (count < 10_000) return String(count);
  return new Intl.NumberFormat(language, { notation: "compact", maximumFractionDigits: 1 }).format(count);
}

function StatusTab(props: {
  language: string;
  testId: string;
  label: string;
  /** What the status means, on hover. */
  title?: string;
  count: number | undefined;
  active: boolean;
  dot?: ConversationStatus;
  icon?: ReactNode;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      className={`status-tab${props.active ? " is-active" : ""}`}
      data-testid={props.testId}
      aria-pressed={props.active}
      title={props.title}
      onClick={props.onClick}
    >
      {props.dot && <span className={`dot dot--${props.dot}`} aria-hidden="true" />}
      {props.icon}
      <span>{props.label}</span>
      {props.count != null && (
        <span className="status-tab-count" title={String(props.count)}>
          {compactCount(props.count, props.language)}
        </span>
      )}
    </button>
  );
}
