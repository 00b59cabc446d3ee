import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { api, setBackend, type MailServers, type MailboxInput } from "../api";
import { createMockBackend, type MockBackend } from "../mock";
import { SELF_SIGNED_FINGERPRINT } from "../mock-mail";
import App from "../App";

const FINGERPRINT = SELF_SIGNED_FINGERPRINT;
const BEFORE = "11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF";

/** An IMAP server with a self-signed certificate, and an SMTP server the usual checks accept. */
const SERVERS: MailServers = {
  imap: { host: "imap.self-signed.test", port: 993, security: "tls" },
  smtp: { host: "smtp.gmail.com", port: 465, security: "tls" },
};

function useMock(): MockBackend {
  const backend = createMockBackend({
    locale: "en",
    deliveryDelayMs: 50,
    mailStartMs: 20,
    mailImportMs: 100,
    mailProbeMs: 5,
  });
  setBackend(backend);
  return backend;
}

/** Opens "Add mailbox" with the servers above guessed and a password typed. */
async function addingForm(backend: MockBackend) {
  backend.answerNext("guessMailServers", SERVERS);
  const user = userEvent.setup();
  render(<App />);
  await user.click(screen.getByTestId("nav-mailboxes"));
  await screen.findByTestId("mailboxes-view");
  await user.click(screen.getByTestId("mailbox-add"));
  await user.type(screen.getByTestId("mailbox-address"), "anna@self-signed.test");
  await user.tab();
  await waitFor(() => expect(screen.getByTestId("imap-host")).toHaveValue("imap.self-signed.test"));
  await user.type(screen.getByTestId("mailbox-password"), "secret");
  return user;
}

/** The form after Test connection found the IMAP certificate untrusted and the owner trusted it. */
async function trusted(backend: MockBackend) {
  const user = await addingForm(backend);
  await user.click(screen.getByTestId("mailbox-test"));
  await user.click(await screen.findByTestId("mailbox-cert-trust-imap"));
  await waitFor(() => expect(screen.getByTestId("mailbox-test-result")).toHaveAttribute("data-ok", "true"));
  return user;
}

/** What the last call of a spied command got as its input. */
const lastInput = (spy: { mock: { lastCall?: unknown[] } }) => spy.mock.lastCall![0] as MailboxInput;

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
});

describe("a server's self-signed certificate", () => {
  it("shows its fingerprint, and trusting it tests again with it for that server only", async () => {
    const backend = useMock();
    const test = vi.spyOn(backend.commands, "testMailbox");
    const user = await addingForm(backend);
    await user.click(screen.getByTestId("mailbox-test"));

    const result = await screen.findByTestId("mailbox-test-result");
    expect(result).toHaveAttribute("data-ok", "false");
    const imap = within(result).getByTestId("mailbox-test-imap");
    expect(imap).toHaveAttribute("data-problem", "tls");
    const cert = within(imap).getByTestId("mailbox-cert-imap");
    expect(cert).toHaveTextContent("The server's certificate is not trusted");
    expect(cert).toHaveTextContent("Ask the server's administrator whether this fingerprint is right.");
    expect(within(cert).getByTestId("mailbox-cert-fingerprint-imap")).toHaveTextContent(FINGERPRINT);
    expect(within(cert).getByTestId("mailbox-cert-trust-imap")).toHaveTextContent("Trust this certificate");
    // The usual TLS hint (security mode and port) gives way to the certificate's words.
    expect(imap).not.toHaveTextContent("Check the security mode");
    expect(within(result).getByTestId("mailbox-test-smtp")).toHaveTextContent("Connected");
    expect(within(result).queryByTestId("mailbox-cert-smtp")).not.toBeInTheDocument();
    expect(lastInput(test).imap).not.toHaveProperty("trustedCert");

    await user.click(within(cert).getByTestId("mailbox-cert-trust-imap"));
    await waitFor(() => expect(screen.getByTestId("mailbox-test-result")).toHaveAttribute("data-ok", "true"));
    expect(test).toHaveBeenCalledTimes(2);
    expect(lastInput(test).imap).toEqual({ ...SERVERS.imap, trustedCert: FINGERPRINT });
    expect(lastInput(test).smtp).toEqual(SERVERS.smtp);
    expect(lastInput(test).smtp).not.toHaveProperty("trustedCert");
    expect(screen.getByTestId("mailbox-test-imap")).toHaveTextContent("Connected");
    expect(screen.getByTestId("mailbox-test-smtp")).toHaveTextContent("Connected");

    // The IMAP fieldset says which certificate is trusted, shortened, the whole one on hover.
    const line = screen.getByTestId("mailbox-trusted-imap");
    expect(line).toHaveTextContent("Trusted certificate: 3A:7F:C2:19…65:A3:1B:7E");
    expect(line.querySelector("[title]")).toHaveAttribute("title", FINGERPRINT);
    expect(screen.queryByTestId("mailbox-trusted-smtp")).not.toBeInTheDocument();
  });

  it("says when the certificate changed since it was trusted, with the one trusted before", async () => {
    const backend = useMock();
    const test = vi.spyOn(backend.commands, "testMailbox");
    const user = await addingForm(backend);
    backend.answerNext("testMailbox", {
      status: "ok",
      data: {
        imap: {
          problem: "tls",
          message: `imap.self-signed.test shows a different certificate than the one trusted for it (now SHA-256 ${FINGERPRINT}, trusted ${BEFORE}); trust the new one only if the server's administrator says they changed it`,
          certificate: { fingerprint: FINGERPRINT, trusted: BEFORE },
        },
        smtp: null,
      },
    });
    await user.click(screen.getByTestId("mailbox-test"));

    const cert = await screen.findByTestId("mailbox-cert-imap");
    expect(cert).toHaveAttribute("data-changed", "true");
    expect(cert).toHaveTextContent("The server's certificate changed");
    expect(cert).not.toHaveTextContent("is not trusted");
    expect(cert).toHaveTextContent(`The certificate trusted before was ${BEFORE}.`);
    expect(cert).toHaveTextContent("someone may be intercepting the connection");
    expect(within(cert).getByTestId("mailbox-cert-fingerprint-imap")).toHaveTextContent(FINGERPRINT);
    const button = within(cert).getByTestId("mailbox-cert-trust-imap");
    expect(button).toHaveTextContent("Trust the new certificate");

    await user.click(button);
    await waitFor(() => expect(screen.getByTestId("mailbox-test-result")).toHaveAttribute("data-ok", "true"));
    expect(lastInput(test).imap.trustedCert).toBe(FINGERPRINT);
  });

  it("is sent with the mailbox when it is added, and shown when the mailbox is edited", async () => {
    const backend = useMock();
    const add = vi.spyOn(backend.commands, "addMailbox");
    const user = await trusted(backend);
    await user.click(screen.getByTestId("mailbox-save"));
    expect(add).toHaveBeenCalledWith(
      expect.objectContaining({
        address: "anna@self-signed.test",
        imap: { ...SERVERS.imap, trustedCert: FINGERPRINT },
        smtp: SERVERS.smtp,
      }),
    );
    expect(lastInput(add).smtp).not.toHaveProperty("trustedCert");
    const detail = await screen.findByTestId("mailbox-detail");
    expect(await within(detail).findByTestId("mailbox-trusted-imap")).toHaveTextContent("3A:7F:C2:19…65:A3:1B:7E");
  });

  it("is dropped when the server's host changes", async () => {
    const backend = useMock();
    const test = vi.spyOn(backend.commands, "testMailbox");
    const user = await trusted(backend);
    expect(screen.getByTestId("mailbox-trusted-imap")).toBeInTheDocument();

    // The address guessed again to the same servers keeps it.
    backend.answerNext("guessMailServers", SERVERS);
    await user.click(screen.getByTestId("mailbox-address"));
    await user.tab();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(screen.getByTestId("mailbox-trusted-imap")).toBeInTheDocument();

    await user.clear(screen.getByTestId("imap-host"));
    await user.type(screen.getByTestId("imap-host"), "mail.self-signed.test");
    expect(screen.queryByTestId("mailbox-trusted-imap")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("mailbox-test"));
    expect(await screen.findByTestId("mailbox-cert-imap")).toHaveAttribute("data-changed", "false");
    expect(lastInput(test).imap).toEqual({ ...SERVERS.imap, host: "mail.self-signed.test" });
  });

  it("can be forgotten", async () => {
    const backend = useMock();
    const test = vi.spyOn(backend.commands, "testMailbox");
    const user = await trusted(backend);
    await user.click(screen.getByTestId("mailbox-trusted-forget-imap"));
    expect(screen.queryByTestId("mailbox-trusted-imap")).not.toBeInTheDocument();
    expect(screen.queryByTestId("mailbox-test-result")).not.toBeInTheDocument();
    expect(screen.getByTestId("imap-host")).toHaveValue("imap.self-signed.test");

    await user.click(screen.getByTestId("mailbox-test"));
    expect(await screen.findByTestId("mailbox-cert-imap")).toBeInTheDocument();
    expect(lastInput(test).imap).not.toHaveProperty("trustedCert");
  });

  it("is worded in Russian", async () => {
    const backend = useMock();
    await i18n.changeLanguage("ru");
    const user = await addingForm(backend);
    await user.click(screen.getByTestId("mailbox-test"));
    const cert = await screen.findByTestId("mailbox-cert-imap");
    expect(cert).toHaveTextContent("Сертификат сервера не проверен");
    expect(within(cert).getByTestId("mailbox-cert-trust-imap")).toHaveTextContent("Доверять этому сертификату");
    await user.click(within(cert).getByTestId("mailbox-cert-trust-imap"));
    expect(await screen.findByTestId("mailbox-trusted-imap")).toHaveTextContent("Доверенный сертификат:");
    expect(screen.getByTestId("mailbox-trusted-forget-imap")).toHaveTextContent("Забыть");
  });
});

describe("the demo engine's self-signed server", () => {
  it("accepts its fingerprint in any case, with or without colons, and says when another was trusted", async () => {
    useMock();
    const input = (trustedCert?: string): MailboxInput => ({
      name: "",
      address: "anna@self-signed.test",
      login: null,
      password: "secret",
      imap: { ...SERVERS.imap, ...(trustedCert ? { trustedCert } : {}) },
      smtp: SERVERS.smtp,
      folder: null,
      moveTo: null,
      pollIntervalS: null,
      importDays: 0,
      projectId: null,
    });
    const untrusted = await api.testMailbox(input(), null);
    expect(untrusted.imap?.certificate).toEqual({ fingerprint: FINGERPRINT, trusted: null });
    expect(untrusted.imap?.message).toContain(`its SHA-256 fingerprint is ${FINGERPRINT}`);
    expect(untrusted.smtp).toBeNull();

    const bare = FINGERPRINT.replace(/:/g, "").toLowerCase();
    expect(await api.testMailbox(input(bare), null)).toEqual({ imap: null, smtp: null });

    const changed = await api.testMailbox(input(BEFORE.toLowerCase()), null);
    expect(changed.imap?.certificate).toEqual({ fingerprint: FINGERPRINT, trusted: BEFORE });
    expect(changed.imap?.message).toContain("shows a different certificate");
    await expect(api.addMailbox(input(BEFORE))).rejects.toBeTruthy();
  });
});
