import { beforeEach, describe, expect, it, vi } from "vitest";
import { screen, waitFor } from "@testing-library/react";
import { freshWindow, renderInbox, rows, useMock } from "./inbox-fixtures";

beforeEach(freshWindow);

describe("the inbox's first paint", () => {
  it("is told to the shell once, after the first rows are drawn", async () => {
    const backend = useMock();
    const shown = vi.spyOn(backend.commands, "inboxShown");
    let rowsWhenTold = -1;
    shown.mockImplementation(async () => {
      rowsWhenTold = rows().length;
    });
    expect(shown).not.toHaveBeenCalled();
    const user = await renderInbox();
    await waitFor(() => expect(shown).toHaveBeenCalledTimes(1));
    expect(rowsWhenTold).toBe(6);
    // Other rows drawn later (another filter) are not a first paint.
    await user.click(screen.getByTestId("status-filter-closed"));
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.click(screen.getByTestId("status-filter-all"));
    await waitFor(() => expect(rows()).toHaveLength(6));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(shown).toHaveBeenCalledTimes(1);
  });
});
