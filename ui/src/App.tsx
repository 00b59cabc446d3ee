import { useCallback, useEffect, useMemo, useRef, useState, type Ref } from "react";
import { useTranslation } from "react-i18next";
import { TopBar, type View } from "./components/TopBar";
import { ConversationList, type ConversationListHandle } from "./components/ConversationList";
import { ThreadPane, type ThreadHandle } from "./components/Thread";
import { ContactPanel } from "./components/ContactPanel";
import { TestChatPanel } from "./components/TestChatPanel";
import { ProjectsView } from "./components/ProjectsView";
import { MailboxesView } from "./components/MailboxesView";
import { AvitoView } from "./components/AvitoView";
import { AccountsView } from "./components/AccountsView";
import { AssistantView } from "./components/AssistantView";
import { SettingsView } from "./components/SettingsView";
import { HealthView } from "./components/HealthView";
import { DashboardView } from "./components/DashboardView";
import { RestoreBanner } from "./components/RestoreBanner";
import { requestLabelsFocus } from "./components/LabelsSection";
import { ShortcutsSheet } from "./components/ShortcutsSheet";
import { restoreLanguage } from "./language";
import { useStatusCounts } from "./hooks";
import { api, subscribeShell } from "./api";
import { InboxContext } from "./inboxContext";
import { useConversation } from "./useConversation";
import { useTeam } from "./useTeam";
import { useShortcuts, type ShortcutHandlers } from "./useShortcuts";

export default function App() {
  const { i18n } = useTranslation();
  // The language chosen before, kept by the engine.
  useEffect(() => {
    restoreLanguage().catch((error: unknown) => {
      console.warn("Could not read the chosen language", error);
    });
  }, []);
  // The tray menu and the window's title speak the window's language.
  useEffect(() => {
    api.setLanguage(i18n.language === "ru" ? "ru" : "en").catch((error: unknown) => {
      console.warn("Could not tell the shell the language", error);
    });
  }, [i18n.language]);
  const [view, setView] = useState<View>("inbox");
  const [testChatOpen, setTestChatOpen] = useState(false);
  // Kept here so that coming back from another view shows the same conversation.
  const [selectedId, setSelectedId] = useState<number | null>(null);

  // A clicked notification opens what it was about.
  useEffect(
    () =>
      subscribeShell((event) => {
        if (event.type === "open_conversation") {
          setView("inbox");
          setSelectedId(event.conversation_id);
        } else if (event.type === "open_accounts") {
          setView("accounts");
        } else if (event.type === "open_settings") {
          setView("settings");
        }
      }),
    [],
  );
  // Notifications about the conversation in view stay quiet.
  const open = view === "inbox" ? selectedId : null;
  useEffect(() => {
    api.setAttention(open, false).catch((error: unknown) => {
      console.warn("Could not tell the shell what is open", error);
    });
  }, [open]);

  // The test chat writes into the inbox, so it opens there.
  const toggleTestChat = useCallback(() => {
    if (view !== "inbox") {
      setView("inbox");
      setTestChatOpen(true);
    } else {
      setTestChatOpen((open) => !open);
    }
  }, [view]);

  // Keyboard shortcuts: the inbox's through the list and the open conversation; the sheet that lists them.
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const listHandle = useRef<ConversationListHandle>(null);
  const threadHandle = useRef<ThreadHandle>(null);
  const shortcutHandlers = useMemo<ShortcutHandlers>(
    () => ({
      next: () => listHandle.current?.step(1),
      previous: () => listHandle.current?.step(-1),
      closeConversation: () => threadHandle.current?.close(),
      focusSearch: () => listHandle.current?.focusSearch(),
      focusComposer: () => threadHandle.current?.focusComposer(),
      openSheet: () => setShortcutsOpen(true),
      closeSheet: () => setShortcutsOpen(false),
    }),
    [],
  );
  useShortcuts({ inbox: view === "inbox", sheetOpen: shortcutsOpen, handlers: shortcutHandlers });
  // A snoozed conversation leaves the list: the next one opens (or the one before it).
  const leaveConversation = useCallback(
    (id: number) => setSelectedId((open) => (open === id ? (listHandle.current?.neighbour(id) ?? null) : open)),
    [],
  );
  const manageLabels = useCallback(() => {
    requestLabelsFocus();
    setView("settings");
  }, []);
  const closeShortcuts = useCallback(() => setShortcutsOpen(false), []);

  return (
    <div className={`app app--${view}`}>
      <TopBar
        view={view}
        onNavigate={setView}
        testChatOpen={testChatOpen}
        onToggleTestChat={toggleTestChat}
        onShowShortcuts={() => setShortcutsOpen(true)}
      />
      {/* After the app started again with a restored backup: what it did, once. */}
      <RestoreBanner onOpenAccounts={() => setView("accounts")} />
      {view === "inbox" ? (
        <Inbox
          selectedId={selectedId}
          onSelect={setSelectedId}
          testChatOpen={testChatOpen}
          setTestChatOpen={setTestChatOpen}
          listHandle={listHandle}
          threadHandle={threadHandle}
          onLeave={leaveConversation}
          onManageLabels={manageLabels}
        />
      ) : view === "projects" ? (
        <ProjectsView />
      ) : view === "mailboxes" ? (
        <MailboxesView />
      ) : view === "avito" ? (
        <AvitoView />
      ) : view === "accounts" ? (
        <AccountsView />
      ) : view === "settings" ? (
        <SettingsView />
      ) : view === "health" ? (
        <HealthView />
      ) : view === "dashboard" ? (
        <DashboardView />
      ) : (
        <AssistantView onOpenProjects={() => setView("projects")} />
      )}
      {shortcutsOpen && <ShortcutsSheet onClose={closeShortcuts} />}
    </div>
  );
}

function Inbox({
  selectedId,
  onSelect: select,
  testChatOpen,
  setTestChatOpen,
  listHandle,
  threadHandle,
  onLeave,
  onManageLabels,
}: {
  selectedId: number | null;
  onSelect: (id: number) => void;
  testChatOpen: boolean;
  setTestChatOpen: (open: boolean) => void;
  listHandle?: Ref<ConversationListHandle>;
  threadHandle?: Ref<ThreadHandle>;
  /** The conversation left the list (snoozed). */
  onLeave?: (id: number) => void;
  onManageLabels?: () => void;
}) {
  const { t } = useTranslation();
  const counts = useStatusCounts();
  const team = useTeam();
  const { state, applyMessage, applySummary, updateMessage, removeMessage, reload } = useConversation(selectedId);

  const openTestChat = useCallback(() => setTestChatOpen(true), [setTestChatOpen]);
  // The list's search, marked in the open conversation's messages.
  const [search, setSearch] = useState("");
  const inbox = useMemo(
    () => ({ highlight: search, onSnoozed: onLeave, onManageLabels }),
    [search, onLeave, onManageLabels],
  );

  const detail = state.phase === "ready" ? state.detail : null;

  return (
    <main
      className={`workspace${testChatOpen ? " workspace--test-chat" : detail ? " workspace--contact" : ""}`}
      aria-label={t("app.name")}
    >
      <ConversationList
        selectedId={selectedId}
        onSelect={select}
        counts={counts}
        onOpenTestChat={openTestChat}
        team={team}
        handle={listHandle}
        onSearch={setSearch}
      />
      <InboxContext.Provider value={inbox}>
        <ThreadPane
          state={state}
          applyMessage={applyMessage}
          applySummary={applySummary}
          updateMessage={updateMessage}
          removeMessage={removeMessage}
          noConversations={counts?.all === 0}
          onOpenTestChat={openTestChat}
          team={team}
          handle={threadHandle}
        />
      </InboxContext.Provider>
      {testChatOpen ? (
        <TestChatPanel onClose={() => setTestChatOpen(false)} onShowConversation={select} />
      ) : (
        detail && <ContactPanel contact={detail.contact} notes={detail.notes} onMerged={reload} />
      )}
    </main>
  );
}
