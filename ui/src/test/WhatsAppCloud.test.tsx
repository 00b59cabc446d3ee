import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend } from "../api";
import { createMockBackend, type MockBackend } from "../mock";
import App from "../App";

function useMock(): MockBackend {
  const backend = createMockBackend({ locale: "en", deliveryDelayMs: 50, avitoStartMs: 20, mailStartMs: 10 });
  setBackend(backend);
  return backend;
}

async function openDialog() {
  const user = userEvent.setup();
  render(<App />);
  await user.click(screen.getByTestId("nav-accounts"));
  await screen.findByTestId("accounts-view");
  await user.click(screen.getByTestId("accounts-add-whatsapp-cloud"));
  const dialog = await screen.findByTestId("wa-cloud-dialog");
  return { user, dialog };
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("adding a WhatsApp Cloud API number", () => {
  it("is reached from the Accounts view and asks for what is missing", async () => {
    useMock();
    const { user, dialog } = await openDialog();
    expect(within(dialog).getByRole("heading")).toHaveTextContent("WhatsApp Business Cloud API number");
    await user.click(within(dialog).getByTestId("wa-cloud-add"));
    expect(within(dialog).getByTestId("wa-cloud-phoneNumberId-error")).toHaveTextContent("Fill this in");
    expect(within(dialog).getByTestId("wa-cloud-accessToken-error")).toBeInTheDocument();
    expect(within(dialog).getByTestId("wa-cloud-appSecret-error")).toBeInTheDocument();
    // The verify token may stay empty.
    expect(within(dialog).queryByTestId("wa-cloud-verifyToken-error")).not.toBeInTheDocument();
    expect(await api.listWhatsappCloudNumbers()).toEqual([]);

    await user.type(within(dialog).getByTestId("wa-cloud-phoneNumberId"), "106540352242922");
    expect(within(dialog).queryByTestId("wa-cloud-phoneNumberId-error")).not.toBeInTheDocument();
  });

  it("shows the engine's refusal and keeps the form", async () => {
    useMock();
    const { user, dialog } = await openDialog();
    await user.type(within(dialog).getByTestId("wa-cloud-phoneNumberId"), "+7 999 123-45-67");
    await user.type(within(dialog).getByTestId("wa-cloud-accessToken"), "EAAGtoken");
    await user.type(within(dialog).getByTestId("wa-cloud-appSecret"), "app-secret");
    await user.click(within(dialog).getByTestId("wa-cloud-add"));
    expect(await within(dialog).findByTestId("wa-cloud-error")).toHaveTextContent("digits only");
    expect(dialog).toHaveAttribute("data-state", "form");
    expect(await api.listWhatsappCloudNumbers()).toEqual([]);
  });

  it("adds the number, shows the webhook address and the made-up verify token once, and lists the account", async () => {
    useMock();
    const { user, dialog } = await openDialog();
    const secret = within(dialog).getByTestId("wa-cloud-appSecret");
    expect(secret).toHaveAttribute("type", "password");
    expect(within(dialog).getByTestId("wa-cloud-accessToken")).toHaveAttribute("type", "password");
    await user.type(within(dialog).getByTestId("wa-cloud-phoneNumberId"), "106540352242922");
    await user.type(within(dialog).getByTestId("wa-cloud-accessToken"), "EAAGtoken");
    await user.type(secret, "app-secret");
    await user.click(within(dialog).getByTestId("wa-cloud-add"));

    const added = await within(dialog).findByTestId("wa-cloud-added");
    const numbers = await api.listWhatsappCloudNumbers();
    expect(numbers.map((n) => n.phoneNumberId)).toEqual(["106540352242922"]);
    const url = within(added).getByTestId("wa-cloud-webhook-url");
    expect(url.textContent).toMatch(new RegExp(`^http://.+/webhooks/whatsapp/${numbers[0].id}$`));
    expect(within(added).getByTestId("wa-cloud-verify-token").textContent).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(within(added).getByTestId("wa-cloud-https-note")).toHaveTextContent("public HTTPS address");
    expect(within(added).getByTestId("wa-cloud-shown-once")).toHaveTextContent("shown only now");
    expect(added.textContent).not.toContain("app-secret");
    expect(added.textContent).not.toContain("EAAGtoken");

    await user.click(within(added).getByTestId("wa-cloud-done"));
    await waitFor(() => expect(screen.queryByTestId("wa-cloud-dialog")).not.toBeInTheDocument());
    const row = await waitFor(() => {
      const found = screen.getAllByTestId("account-row").find((r) => r.textContent?.includes("WhatsApp 106540352242922"));
      expect(found).toBeDefined();
      return found!;
    });
    expect(row).toHaveAttribute("data-kind", "whatsapp");
    expect(row).toHaveAttribute("data-state", "connected");
  });

  it("keeps a verify token the owner typed, and the business account ID when given", async () => {
    useMock();
    const { user, dialog } = await openDialog();
    await user.type(within(dialog).getByTestId("wa-cloud-phoneNumberId"), "200000000000001");
    await user.type(within(dialog).getByTestId("wa-cloud-accessToken"), "EAAGtoken");
    await user.type(within(dialog).getByTestId("wa-cloud-appSecret"), "app-secret");
    await user.type(within(dialog).getByTestId("wa-cloud-verifyToken"), "my-own-verify-token");
    await user.click(within(dialog).getByTestId("wa-cloud-add"));
    const added = await within(dialog).findByTestId("wa-cloud-added");
    expect(within(added).getByTestId("wa-cloud-verify-token")).toHaveTextContent("my-own-verify-token");
    expect((await api.listWhatsappCloudNumbers())[0].businessAccountId).toBeNull();
  });

  it("passes the business account ID its templates come from", async () => {
    useMock();
    const { user, dialog } = await openDialog();
    await user.type(within(dialog).getByTestId("wa-cloud-phoneNumberId"), "200000000000002");
    await user.type(within(dialog).getByTestId("wa-cloud-accessToken"), "EAAGtoken");
    await user.type(within(dialog).getByTestId("wa-cloud-appSecret"), "app-secret");
    await user.type(within(dialog).getByTestId("wa-cloud-businessAccountId"), " 102290129340398 ");
    expect(within(dialog).queryByTestId("wa-cloud-businessAccountId-error")).not.toBeInTheDocument();
    await user.click(within(dialog).getByTestId("wa-cloud-add"));
    await within(dialog).findByTestId("wa-cloud-added");
    expect((await api.listWhatsappCloudNumbers())[0].businessAccountId).toBe("102290129340398");
  });
});

describe("a WhatsApp Cloud API number's row", () => {
  it("shows its IDs, changes its business account and token (an empty secret is kept), and removes it", async () => {
    const backend = useMock();
    const added = await api.addWhatsappCloudNumber({
      phoneNumberId: "106540352242922",
      accessToken: "EAAGtoken",
      appSecret: "app-secret",
      verifyToken: null,
      name: "Shop on WhatsApp",
      businessAccountId: null,
      apiUrl: null,
    });
    const update = vi.spyOn(backend.commands, "updateWhatsappCloudNumber");
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByTestId("nav-accounts"));
    const panel = await screen.findByTestId("wa-cloud-number");
    expect(panel).toHaveAttribute("data-account-id", String(added.number.id));
    expect(within(panel).getByTestId("wa-cloud-number-id")).toHaveTextContent("106540352242922");
    expect(within(panel).getByTestId("wa-cloud-number-waba")).toHaveTextContent("No business account ID");

    await user.click(within(panel).getByTestId("wa-cloud-number-change"));
    const form = within(panel).getByTestId("wa-cloud-edit");
    expect(within(form).getByTestId("wa-cloud-edit-accessToken")).toHaveValue("");
    expect(within(form).getByTestId("wa-cloud-edit-accessToken")).toHaveAttribute("type", "password");
    await user.type(within(form).getByTestId("wa-cloud-edit-businessAccountId"), "102290129340398");
    await user.type(within(form).getByTestId("wa-cloud-edit-accessToken"), "EAAGnewtoken");
    await user.click(within(form).getByTestId("wa-cloud-edit-save"));
    await waitFor(() =>
      expect(within(screen.getByTestId("wa-cloud-number")).getByTestId("wa-cloud-number-waba")).toHaveTextContent(
        "Business account 102290129340398",
      ),
    );
    expect(update).toHaveBeenCalledWith(added.number.id, {
      name: null,
      businessAccountId: "102290129340398",
      accessToken: "EAAGnewtoken",
      appSecret: null,
      verifyToken: null,
    });
    expect(screen.getByTestId("accounts-view").textContent).not.toContain("EAAGnewtoken");

    await user.click(within(screen.getByTestId("wa-cloud-number")).getByTestId("wa-cloud-number-remove"));
    await user.click(screen.getByTestId("wa-cloud-number-remove-confirm"));
    await waitFor(() => expect(screen.queryByTestId("wa-cloud-number")).not.toBeInTheDocument());
    expect(await api.listWhatsappCloudNumbers()).toEqual([]);
  });
});
