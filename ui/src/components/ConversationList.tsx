import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useTranslation } from "react-i18next";
import {
  CONNECTABLE_CHANNEL_KINDS,
  CONVERSATION_STATUSES,
  type AssigneeFilter,
  type ChannelKind,
  type ConversationStatus,
  type StatusCounts,
} from "../api";
import { useDebounced, useEngineEvents, useNow } from "../hooks";
import { useConversationPages } from "../useConversationPages";
import { formatFull, formatListTime } from "../format";
import { errorText } from "../errors";
import type { Team } from "../useTeam";
import { AssigneeFilterSelect } from "./Assignment";
import { ConversationRow } from "./ConversationRow";
import { CrossIcon, SearchIcon } from "./Icon";

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

export function ConversationList({ selectedId, onSelect, counts, onOpenTestChat, team }: Props) {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState<ConversationStatus | null>(null);
  const [channel, setChannel] = useState<ChannelKind | null>(null);
  const [chosenAssignee, setAssignee] = useState<AssigneeFilter | null>(null);
  const [searchText, setSearchText] = useState("");
  const search = useDebounced(searchText.trim(), SEARCH_DEBOUNCE_MS);

  // Filtering by assignee needs a team, and "Mine" the owner's link: without them the filter is off.
  const hasTeam = (team.people?.length ?? 0) > 0;
  const assignee =
    hasTeam && (chosenAssignee !== "mine" || team.owner != null) ? chosenAssignee : null;

  const query = useMemo(
    () => ({ status, channel, assignee, search: search || null }),
    [status, channel, assignee, search],
  );
  const pages = useConversationPages(query);
  const { total, version, ensureRange, invalidate, rowAt, indexOf } = pages;
  const now = useNow();

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

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      if (event.altKey || event.ctrlKey || event.metaKey || isEditable(event.target)) return;
      event.preventDefault();
      const current = selectedId == null ? -1 : indexOf(selectedId);
      if (current < 0) selectIndex(0);
      else selectIndex(current + (event.key === "ArrowDown" ? 1 : -1));
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [selectedId, indexOf, selectIndex]);

  const filtered = status != null || channel != null || assignee != null || search !== "";
  const resetFilters = () => {
    setStatus(null);
    setChannel(null);
    setAssignee(null);
    setSearchText("");
  };

  let empty: "no-conversations" | "no-results" | null = null;
  if (total === 0) empty = counts?.all === 0 || (!counts && !filtered) ? "no-conversations" : "no-results";

  const language = i18n.language;

  return (
    <section className="list-pane" aria-label={t("list.label")}>
      <div className={`list-filters${hasTeam ? " list-filters--team" : ""}`}>
        <div className="search">
          <SearchIcon className="search-icon" />
          <input
            type="search"
            data-testid="search-input"
            value={searchText}
            onChange={(e) => setSearchText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") setSearchText("");
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
        <select
          className="channel-filter"
          data-testid="channel-filter"
          value={channel ?? ""}
          onChange={(e) => setChannel((e.target.value || null) as ChannelKind | null)}
          aria-label={t("list.channelFilterLabel")}
        >
          <option value="">{t("list.allChannels")}</option>
          {CONNECTABLE_CHANNEL_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {t(`channel.${kind}`)}
            </option>
          ))}
        </select>
        {hasTeam && (
          <AssigneeFilterSelect value={assignee} onChange={setAssignee} ownerLinked={team.owner != null} />
        )}
      </div>

      <div className="status-tabs" role="group" aria-label={t("list.statusFilterLabel")}>
        <StatusTab
          language={language}
          testId="status-filter-all"
          label={t("status.all")}
          count={counts?.all}
          active={status == null}
          onClick={() => setStatus(null)}
        />
        {CONVERSATION_STATUSES.map((s) => (
          <StatusTab
            key={s}
            language={language}
            testId={`status-filter-${s}`}
            label={t(`status.${s}`)}
            title={t(`statusHint.${s}`)}
            count={counts?.[COUNT_KEY[s]]}
            active={status === s}
            dot={s}
            onClick={() => setStatus(s)}
          />
        ))}
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
      <span>{props.label}</span>
      {props.count != null && (
        <span className="status-tab-count" title={String(props.count)}>
          {compactCount(props.count, props.language)}
        </span>
      )}
    </button>
  );
}
