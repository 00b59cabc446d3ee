import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { TopBar } from "./components/TopBar";
import { ConversationList } from "./components/ConversationList";
import { ThreadPane } from "./components/Thread";
import { ContactPanel } from "./components/ContactPanel";
import { TestChatPanel } from "./components/TestChatPanel";
import { useStatusCounts } from "./hooks";
import { useConversation } from "./useConversation";

export default function App() {
  const { t } = useTranslation();
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [testChatOpen, setTestChatOpen] = useState(false);
  const counts = useStatusCounts();
  const { state, applyMessage, applySummary } = useConversation(selectedId);

  const select = useCallback((id: number) => setSelectedId(id), []);
  const openTestChat = useCallback(() => setTestChatOpen(true), []);

  const contact = state.phase === "ready" ? state.detail.contact : null;

  return (
    <div
      className={`app${testChatOpen ? " app--test-chat" : contact ? " app--contact" : ""}`}
    >
      <TopBar testChatOpen={testChatOpen} onToggleTestChat={() => setTestChatOpen((open) => !open)} />
      <main className="workspace" aria-label={t("app.name")}>
        <ConversationList
          selectedId={selectedId}
          onSelect={select}
          counts={counts}
          onOpenTestChat={openTestChat}
        />
        <ThreadPane
          state={state}
          applyMessage={applyMessage}
          applySummary={applySummary}
          noConversations={counts?.all === 0}
          onOpenTestChat={openTestChat}
        />
        {testChatOpen ? (
          <TestChatPanel onClose={() => setTestChatOpen(false)} onShowConversation={select} />
        ) : (
          contact && <ContactPanel contact={contact} />
        )}
      </main>
    </div>
  );
}
