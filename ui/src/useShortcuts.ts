// Keyboard shortcuts for working through the inbox: one window listener, and a
// pure keymap (`keymap`) that says what a key press means where it happened.
import { useEffect, useLayoutEffect, useRef } from "react";

export type ShortcutAction =
  /** The next conversation in the list, opened and scrolled into view. */
  | "next"
  | "previous"
  /** Closes the open conversation (its status), as the thread's Close button does. */
  | "closeConversation"
  /** Puts the cursor in the list's search field, its text selected. */
  | "focusSearch"
  /** Puts the cursor in the open conversation's composer. */
  | "focusComposer"
  /** Leaves the text field the cursor is in. */
  | "leaveField"
  | "openSheet"
  | "closeSheet";

/** What `keymap` reads of a key press: a KeyboardEvent, or a plain object in tests. */
export type KeyPress = {
  key: string;
  /** The physical key: lets J, K, E, R and / work with a Russian layout on. */
  code?: string;
  altKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  isComposing?: boolean;
};

export type ShortcutContext = {
  /** The cursor is in a text field (input, textarea, select, contenteditable). */
  editing: boolean;
  /** The inbox is on screen (the list and the open conversation). */
  inbox: boolean;
  /** The shortcuts sheet is open. */
  sheetOpen: boolean;
  /** Another modal dialog is open: it has the keyboard. */
  dialogOpen?: boolean;
};

const LATIN_LETTER = /^[a-z]$/i;
const OTHER_LETTER = /^\p{L}$/u;

/** The letter a key press types, on a Latin layout; with another layout on, the letter of the key pressed. */
function letterOf(press: KeyPress): string | null {
  if (LATIN_LETTER.test(press.key)) return press.key.toLowerCase();
  if (OTHER_LETTER.test(press.key) && press.code && /^Key[A-Z]$/.test(press.code)) {
    return press.code.slice(3).toLowerCase();
  }
  return null;
}

/** `/`, also on the Russian layout, where that key types a full stop. */
const isSlash = (press: KeyPress) =>
  press.key === "/" || (press.code === "Slash" && press.key === "." && !press.shiftKey);

/** `?` (Shift+/), also on the Russian layout, where Shift and that key type a comma. */
const isQuestion = (press: KeyPress) =>
  press.key === "?" || (press.code === "Slash" && press.key === "," && !!press.shiftKey);

/**
 * What a key press does, or null when it is not a shortcut (and then the press
 * is left alone: typed into the field, or handled by whatever else listens).
 */
export function keymap(press: KeyPress, context: ShortcutContext): ShortcutAction | null {
  if (press.isComposing) return null;
  if (context.sheetOpen) return press.key === "Escape" ? "closeSheet" : null;
  if (context.dialogOpen) return null;

  const mod = !!press.ctrlKey || !!press.metaKey;
  if (press.key === "Escape") {
    return context.editing && context.inbox && !mod && !press.altKey && !press.shiftKey ? "leaveField" : null;
  }
  // Typing in a field is typing; the browser's and the system's own shortcuts stay theirs.
  if (context.editing || mod) return null;

  if (isQuestion(press) && !press.altKey) return "openSheet";
  if (!context.inbox) return null;

  if (press.altKey) {
    if (press.shiftKey) return null;
    if (press.key === "ArrowDown") return "next";
    if (press.key === "ArrowUp") return "previous";
    return null;
  }
  if (press.shiftKey) return null;
  if (isSlash(press)) return "focusSearch";
  switch (letterOf(press)) {
    case "j":
      return "next";
    case "k":
      return "previous";
    case "e":
      return "closeConversation";
    case "r":
      return "focusComposer";
    default:
      return null;
  }
}

const NOT_TYPED_INTO = new Set(["button", "checkbox", "color", "file", "image", "radio", "range", "reset", "submit"]);

/** Whether keys pressed at `target` are typed into it. */
export function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLInputElement) return !NOT_TYPED_INTO.has(target.type);
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

/** Whether the computer is a Mac: there ⌘ does what Ctrl does elsewhere. */
export function isMac(): boolean {
  const nav = globalThis.navigator as (Navigator & { userAgentData?: { platform?: string } }) | undefined;
  const platform = nav?.userAgentData?.platform || nav?.platform || "";
  return /mac|iphone|ipad/i.test(platform);
}

export type ShortcutHandlers = Partial<Record<Exclude<ShortcutAction, "leaveField">, () => void>>;

/**
 * Listens to the window's key presses and runs the handler of each shortcut.
 * Leaving a text field (Escape) is done here; a press already handled by the
 * field itself (its default prevented, e.g. Escape clearing the search) is not a shortcut.
 */
export function useShortcuts(options: { inbox: boolean; sheetOpen: boolean; handlers: ShortcutHandlers }): void {
  const latest = useRef(options);
  useLayoutEffect(() => {
    latest.current = options;
  });

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const { inbox, sheetOpen, handlers } = latest.current;
      const target = event.target;
      const context: ShortcutContext = {
        editing: isTextField(target),
        inbox,
        sheetOpen,
        dialogOpen: !sheetOpen && document.querySelector('[aria-modal="true"]') != null,
      };
      const action = keymap(event, context);
      if (action == null) return;
      if (action === "leaveField") {
        event.preventDefault();
        if (target instanceof HTMLElement) target.blur();
        return;
      }
      const handler = handlers[action];
      if (!handler) return;
      // Also keeps the key from being typed where the shortcut puts the cursor.
      event.preventDefault();
      handler();
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);
}
