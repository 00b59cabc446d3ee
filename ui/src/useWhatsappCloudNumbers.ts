import { api, type CloudNumber } from "./api";
import { useLiveList, type LiveList } from "./useLiveList";

const source = {
  load: () => api.listWhatsappCloudNumbers(),
  reloadOn: (event: { type: string }) => event.type === "account_changed" || event.type === "project_changed",
  idOf: (number: CloudNumber) => number.id,
  compare: (a: CloudNumber, b: CloudNumber) => a.addedAt - b.addedAt || a.id - b.id,
};

/** The WhatsApp Business Cloud API numbers, read again when one changes. */
export function useWhatsappCloudNumbers(): LiveList<CloudNumber> {
  return useLiveList(source);
}
