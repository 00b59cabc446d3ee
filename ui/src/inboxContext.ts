import { createContext } from "react";

/** What the inbox (App) tells the open conversation without passing it through every part. */
export type InboxContextValue = {
  /** The list's search: the thread marks its words in the messages. */
  highlight: string;
  /** The open conversation was snoozed: the inbox moves on to another one. */
  onSnoozed?: (conversationId: number) => void;
  /** Opens the Settings card where labels are managed. */
  onManageLabels?: () => void;
};

export const InboxContext = createContext<InboxContextValue>({ highlight: "" });
