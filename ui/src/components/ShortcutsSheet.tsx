import { Fragment, useEffect, useId, useRef, type KeyboardEvent as ReactKeyboardEvent } from "react";
import { createPortal } from "react-dom";
import { useTranslation } from "react-i18next";
import { isMac } from "../useShortcuts";
import { CrossIcon } from "./Icon";

/** Keys pressed together, as their keycaps read. */
type Combo = string[];

type Shortcut = {
  /** The key of its description under `shortcuts.action`. */
  action: string;
  /** Each way to do it. */
  combos: Combo[];
};

type Group = { id: "conversations" | "writing" | "general"; shortcuts: Shortcut[] };

/** Every shortcut, grouped as the sheet shows them; ⌘ and ⌥ on a Mac, Ctrl and Alt elsewhere. */
export function shortcutGroups(mac: boolean): Group[] {
  const mod = mac ? "⌘" : "Ctrl";
  const alt = mac ? "⌥" : "Alt";
  const shift = mac ? "⇧" : "Shift";
  return [
    {
      id: "conversations",
      shortcuts: [
        { action: "next", combos: [["J"], [alt, "↓"], ["↓"]] },
        { action: "previous", combos: [["K"], [alt, "↑"], ["↑"]] },
        { action: "closeConversation", combos: [["E"]] },
        { action: "search", combos: [["/"]] },
        { action: "toResults", combos: [["Enter"]] },
      ],
    },
    {
      id: "writing",
      shortcuts: [
        { action: "reply", combos: [["R"]] },
        { action: "send", combos: [["Enter"], [mod, "Enter"]] },
        { action: "newLine", combos: [[shift, "Enter"]] },
        { action: "leaveField", combos: [["Esc"]] },
      ],
    },
    {
      id: "general",
      shortcuts: [
        { action: "showSheet", combos: [["?"]] },
        { action: "closeSheet", combos: [["Esc"]] },
      ],
    },
  ];
}

/**
 * The keyboard shortcuts, on a sheet over the window. Escape closes it (through
 * the shortcuts' own listener, `useShortcuts`), as do the close button and a
 * click beside it; the cursor goes back where it was.
 */
export function ShortcutsSheet({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const titleId = useId();
  const closeRef = useRef<HTMLButtonElement>(null);
  const groups = shortcutGroups(isMac());

  useEffect(() => {
    const previous = document.activeElement;
    closeRef.current?.focus();
    return () => {
      if (previous instanceof HTMLElement && previous.isConnected) previous.focus();
    };
  }, []);

  // The keys act on the sheet, not on the inbox behind it; Tab stays on the sheet's one button.
  const onKeyDown = (event: ReactKeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") return;
    event.stopPropagation();
    if (event.key === "Tab") {
      event.preventDefault();
      closeRef.current?.focus();
    }
  };

  return createPortal(
    <div
      className="dialog-backdrop"
      onKeyDown={onKeyDown}
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div
        className="dialog shortcuts-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="shortcuts-sheet"
        tabIndex={-1}
      >
        <div className="dialog-head">
          <h2 id={titleId}>{t("shortcuts.title")}</h2>
          <button
            ref={closeRef}
            type="button"
            className="icon-button"
            data-testid="shortcuts-close"
            onClick={onClose}
            aria-label={t("shortcuts.close")}
            title={t("shortcuts.close")}
          >
            <CrossIcon size={12} />
          </button>
        </div>
        <div className="shortcuts-groups">
          {groups.map((group) => (
            <section
              key={group.id}
              className="shortcuts-group"
              data-testid="shortcuts-group"
              data-group={group.id}
              aria-labelledby={`${titleId}-${group.id}`}
            >
              <h3 id={`${titleId}-${group.id}`}>{t(`shortcuts.group.${group.id}`)}</h3>
              <dl>
                {group.shortcuts.map((shortcut) => (
                  <div
                    key={shortcut.action}
                    className="shortcut"
                    data-testid="shortcut"
                    data-action={shortcut.action}
                  >
                    <dt>{t(`shortcuts.action.${shortcut.action}`)}</dt>
                    <dd>
                      {shortcut.combos.map((combo, i) => (
                        <Fragment key={combo.join("+")}>
                          {i > 0 && <span className="shortcut-or">{t("shortcuts.or")}</span>}
                          <span className="shortcut-combo">
                            {combo.map((key) => (
                              <kbd key={key}>{key}</kbd>
                            ))}
                          </span>
                        </Fragment>
                      ))}
                    </dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
        <p className="dialog-note shortcuts-note">{t("shortcuts.note")}</p>
      </div>
    </div>,
    document.body,
  );
}
