import { api } from "./api";

let told = false;

/**
 * Tells the desktop shell, once a window, that the inbox is drawn (its first
 * rows, or that it has none): the shell logs how long the start took. Called
 * after the render that put them in the page; the call goes once the frame
 * that shows them has been painted (the second animation frame after it).
 */
export function inboxDrawn(): void {
  if (told) return;
  told = true;
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      api.inboxShown().catch((error: unknown) => {
        console.warn("Could not tell the shell the inbox is shown", error);
      });
    }),
  );
}
