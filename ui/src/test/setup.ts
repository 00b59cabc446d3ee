import "@testing-library/jest-dom/vitest";
import { afterEach } from "vitest";
import { cleanup } from "@testing-library/react";

// jsdom does no layout. Give scroll containers a size so the virtualized list
// renders a screenful of rows, and accept scroll calls.
Object.defineProperty(HTMLElement.prototype, "clientHeight", {
  configurable: true,
  get() {
    return 800;
  },
});
Object.defineProperty(HTMLElement.prototype, "clientWidth", {
  configurable: true,
  get() {
    return 340;
  },
});
if (!HTMLElement.prototype.scrollTo) {
  HTMLElement.prototype.scrollTo = function scrollTo(this: HTMLElement, x?: ScrollToOptions | number, y?: number) {
    const top = typeof x === "object" ? x.top : y;
    if (typeof top === "number") this.scrollTop = top;
  } as typeof HTMLElement.prototype.scrollTo;
}
if (!HTMLElement.prototype.scrollIntoView) {
  HTMLElement.prototype.scrollIntoView = () => undefined;
}

afterEach(() => {
  cleanup();
});
