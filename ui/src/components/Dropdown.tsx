import {
  useEffect,
  useId,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
  type ReactNode,
} from "react";

/**
 * A button that opens a popover under it: a menu (items moved through with
 * ↑/↓) or a small dialog. A click elsewhere or Escape closes it (Escape puts
 * the focus back on the button).
 */
export function Dropdown({
  label,
  content,
  className,
  buttonClass = "button",
  testId,
  title,
  disabled,
  kind = "menu",
  align = "right",
  opens = "down",
  ariaLabel,
  popoverTestId = `${testId}-popover`,
  children,
}: {
  /** What the popover is, for screen readers. */
  label: string;
  /** What the button shows. */
  content: ReactNode;
  className?: string;
  buttonClass?: string;
  /** The button's test id; the popover's is `${testId}-popover` unless `popoverTestId` says. */
  testId: string;
  popoverTestId?: string;
  title?: string;
  disabled?: boolean;
  kind?: "menu" | "dialog";
  /** Which edge of the button the popover lines up with. */
  align?: "left" | "right";
  /** Whether the popover opens under the button or over it (a button at the window's foot). */
  opens?: "down" | "up";
  /** The button's name, when its content shows none (an icon). */
  ariaLabel?: string;
  /** The popover's content; `close` closes it. */
  children: (close: () => void) => ReactNode;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const wrapRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const popoverRef = useRef<HTMLDivElement>(null);

  // A click elsewhere closes it.
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (wrapRef.current && !wrapRef.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);

  // A menu's first item (or a dialog's first field) is ready for the keyboard.
  useEffect(() => {
    if (!open) return;
    const popover = popoverRef.current;
    if (!popover || popover.contains(document.activeElement)) return;
    popover.querySelector<HTMLElement>(kind === "menu" ? '[role^="menuitem"]' : "input, select, button")?.focus();
  }, [open, kind]);

  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };

  const onKeyDown = (e: ReactKeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
      return;
    }
    if (kind !== "menu" || (e.key !== "ArrowDown" && e.key !== "ArrowUp")) return;
    // A field in the menu keeps its own arrows.
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    const items = [...(popoverRef.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    if (items.length === 0) return;
    e.preventDefault();
    const at = items.indexOf(document.activeElement as HTMLElement);
    const next = e.key === "ArrowDown" ? (at + 1) % items.length : (at - 1 + items.length) % items.length;
    items[next]?.focus();
  };

  return (
    <div className={`dropdown${className ? ` ${className}` : ""}`} ref={wrapRef}>
      <button
        ref={buttonRef}
        type="button"
        className={buttonClass}
        data-testid={testId}
        aria-haspopup={kind}
        aria-expanded={open}
        aria-controls={open ? `${id}-popover` : undefined}
        aria-label={ariaLabel}
        title={title}
        disabled={disabled}
        onClick={() => setOpen((o) => !o)}
      >
        {content}
        <span aria-hidden="true" className="dropdown-caret">
          ▾
        </span>
      </button>
      {open && (
        <div
          ref={popoverRef}
          id={`${id}-popover`}
          className={`dropdown-popover dropdown-popover--${align}${opens === "up" ? " dropdown-popover--up" : ""}`}
          role={kind}
          aria-label={label}
          data-testid={popoverTestId}
          onKeyDown={onKeyDown}
        >
          {children(close)}
        </div>
      )}
    </div>
  );
}
