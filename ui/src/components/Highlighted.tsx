import { Fragment } from "react";

/** The words of a search, each escaped for a regular expression, the longest first. */
function searchWords(query: string): string[] {
  const words = query
    .trim()
    .split(/\s+/)
    .map((word) => word.replace(/^["«“]+|["»”]+$/g, ""))
    .filter((word) => word.length > 0);
  return [...new Set(words.map((w) => w.toLocaleLowerCase()))]
    .sort((a, b) => b.length - a.length)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
}

/** `text` cut into pieces, every odd one a match of one of the query's words (whatever its case). */
export function highlightParts(text: string, query: string | null | undefined): string[] {
  const words = query ? searchWords(query) : [];
  if (words.length === 0 || !text) return [text];
  return text.split(new RegExp(`(${words.join("|")})`, "giu"));
}

/** `text` with the words of the search marked. */
export function Highlighted({ text, query }: { text: string; query?: string | null }) {
  const parts = highlightParts(text, query);
  if (parts.length === 1) return <>{text}</>;
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <mark key={i} className="search-hit" data-testid="search-hit">
            {part}
          </mark>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </>
  );
}
