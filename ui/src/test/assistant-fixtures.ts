// What the assistant's tests share: an in-memory engine that answers quickly,
// a project with a catalogue, and the way to the Assistant view. The
// in-memory engine reads no file: any upload becomes its demo price list,
// which has the rows of PRICES_CSV.
import { expect } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import type userEvent from "@testing-library/user-event";
import { api, setBackend } from "../api";
import { createMockBackend, type MockBackend, type MockOptions } from "../mock";

export type User = ReturnType<typeof userEvent.setup>;

export function useMock(options: MockOptions = {}): MockBackend {
  const backend = createMockBackend({
    locale: "en",
    deliveryDelayMs: 30,
    assistantDelayMs: 20,
    catalogueStepMs: 5,
    avitoStartMs: 20,
    ...options,
  });
  setBackend(backend);
  return backend;
}

export const PRICES_CSV = [
  "Product,Price,Availability",
  '"Corner sofa Oslo, velour",34 990 ₽,In stock',
  "Armchair Nord,12 490 ₽,In stock",
  "Dining table Oslo,21 900 ₽,To order",
].join("\n");

/** The first row of the demo price list, as the assistant reads it. */
export const SOFA_ROW = "Product: Corner sofa Oslo, velour; Price: 34 990 ₽; Availability: In stock";

/** UTF-8 text as base64, as the window sends a file's content. */
export const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

/** A project, with the demo price list as its catalogue when asked. */
export async function makeProject(name = "Sofa shop", withCatalogue = false) {
  const project = await api.createProject({ name, language: "en" });
  if (withCatalogue) await api.importCatalogue(project.id, "prices.csv", base64(PRICES_CSV));
  return project;
}

/** The demo Avito account (Maria's and Sergey's conversations). */
export async function avitoAccountId() {
  const accounts = await api.listChannelAccounts();
  return accounts.find((a) => a.kind === "avito")!.id;
}

export async function openAssistant(user: User) {
  await user.click(screen.getByTestId("nav-assistant"));
  return screen.findByTestId("assistant-view");
}

export async function openAssistantProject(user: User, name: string) {
  await openAssistant(user);
  const row = await waitFor(() => {
    const found = screen.getAllByTestId("assistant-project-row").find((r) => r.textContent?.includes(name));
    if (!found) throw new Error(`no row for ${name}`);
    return found;
  });
  await user.click(row);
  const detail = await screen.findByTestId("assistant-project");
  await waitFor(() => expect(within(detail).getByTestId("persona")).toBeInTheDocument());
  return detail;
}

export const conversationRow = (name: string) =>
  screen.getAllByTestId("conversation-row").find((r) => r.textContent?.includes(name))!;
