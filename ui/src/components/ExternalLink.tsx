import type { MouseEvent, ReactNode } from "react";
import { api, isTauri } from "../api";

/** The address when it is a web page (http or https), or null: nothing else is opened from the window. */
export function webAddress(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * A link to a web page outside the window (a listing, a profile): it opens in
 * a new browser window, never inside Tuberry's own. Anything but an http(s)
 * address is shown as plain text.
 */
export function ExternalLink({
  href,
  children,
  className,
  testId,
  title,
}: {
  href: string | null;
  children: ReactNode;
  className?: string;
  testId?: string;
  title?: string;
}) {
  const address = webAddress(href);
  if (!address) return <span className={className}>{children}</span>;
  return (
    <a
      className={`external-link${className ? ` ${className}` : ""}`}
      href={address}
      target="_blank"
      rel="noopener noreferrer"
      referrerPolicy="no-referrer"
      onClick={(event: MouseEvent) => {
        // The desktop window never navigates away: the system browser opens it.
        if (!isTauri()) return;
        event.preventDefault();
        api.openExternal(address).catch(() => undefined);
      }}
      data-testid={testId}
      title={title ?? address}
    >
      {children}
    </a>
  );
}
