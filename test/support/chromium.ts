/**
 * Debian's headless Chromium through playwright-core, with the flags every browser test here
 * uses: no sandbox (tests run as root), no GPU, and nothing that talks to the network.
 */
import { type Browser, chromium } from "playwright-core";

/** Launch `/usr/bin/chromium` headless; close it in `afterAll`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
