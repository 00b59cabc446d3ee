import { api, type WhatsAppNumber } from "./api";
import { useLiveList, type LiveList } from "./useLiveList";

const source = {
  load: () => api.listWhatsappNumbers(),
  reloadOn: (event: { type: string }) => event.type === "account_changed" || event.type === "project_changed",
  idOf: (number: WhatsAppNumber) => number.id,
  compare: (a: WhatsAppNumber, b: WhatsAppNumber) => a.createdAt - b.createdAt || a.id - b.id,
};

/** The shop's WhatsApp numbers linked as devices, read again when one changes. */
export function useWhatsappNumbers(): LiveList<WhatsAppNumber> {
  return useLiveList(source);
}
