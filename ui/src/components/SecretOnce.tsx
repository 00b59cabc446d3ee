import { useId, useRef, useState } from "react";
import { AlertIcon, CheckIcon } from "./Icon";

/** The words around a secret shown once, already translated. */
export interface SecretOnceText {
  /** The field's accessible name. */
  label: string;
  copy: string;
  copied: string;
  /** That it will not be shown again. */
  warning: string;
}

/**
 * A secret shown this once (an API token, a webhook's signing secret, a
 * provider's token): a read-only field selected on focus, Copy, "Copied"
 * once the clipboard took it, and the warning that it is never shown again.
 * Test ids are `${testId}-secret` (or `fieldTestId`), `${testId}-copy`,
 * `${testId}-copied` and `${testId}-warning`.
 */
export function SecretOnce({
  secret,
  testId,
  fieldTestId = `${testId}-secret`,
  text,
}: {
  secret: string;
  testId: string;
  fieldTestId?: string;
  text: SecretOnceText;
}) {
  const id = useId();
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);

  const copy = () => {
    // Selected, it can be copied by hand if the clipboard is not at hand.
    field.current?.select();
    const clipboard = typeof navigator === "undefined" ? undefined : navigator.clipboard;
    if (!clipboard?.writeText) return;
    clipboard.writeText(secret).then(
      () => setCopied(true),
      () => {},
    );
  };

  return (
    <>
      <div className="api-tokens-secret-line">
        <input
          ref={field}
          type="text"
          className="api-tokens-secret"
          data-testid={fieldTestId}
          value={secret}
          readOnly
          spellCheck={false}
          autoComplete="off"
          aria-label={text.label}
          aria-describedby={`${id}-warning`}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" className="button" data-testid={`${testId}-copy`} onClick={copy}>
          {text.copy}
        </button>
        {copied && (
          <span className="form-saved" data-testid={`${testId}-copied`} role="status">
            <CheckIcon size={13} />
            {text.copied}
          </span>
        )}
      </div>
      <p className="api-tokens-warning" id={`${id}-warning`} data-testid={`${testId}-warning`}>
        <AlertIcon size={14} />
        {text.warning}
      </p>
    </>
  );
}
