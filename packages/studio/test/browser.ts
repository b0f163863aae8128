/**
 * What the studio's browser test and benchmark share: the built studio served by `vite preview`, and
 * Debian's Chromium (scripts/setup.sh installs it) driven by playwright-core with the flags that work
 * headless on these machines.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { type PreviewServer, preview } from "vite";

export const STUDIO = path.resolve(import.meta.dirname, "..");
const CHROMIUM = "/usr/bin/chromium";

/** Builds the studio when its inputs changed (milliseconds when not), then serves dist/ on a free port. */
export async function serveStudio(
  headers: Record<string, string> = {},
): Promise<{ server: PreviewServer; url: string }> {
  const build = spawnSync(process.execPath, [path.join(STUDIO, "scripts/build.mjs")], { encoding: "utf8" });
  assert.equal(build.status, 0, `the studio's build failed: ${build.stderr}`);
  const server = await preview({
    configFile: path.join(STUDIO, "vite.config.ts"),
    logLevel: "silent",
    preview: { host: "127.0.0.1", port: 0, strictPort: false, headers },
  });
  const url = server.resolvedUrls?.local[0];
  assert.ok(url, "vite preview gave no address");
  return { server, url };
}

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

/**
 * A new page of the studio at `url` on `backend` (`?backend=`), started; whatever the page logs as an
 * error, or throws, goes to `errors`.
 */
export async function openStudio(
  where: Browser | BrowserContext,
  url: string,
  backend: string,
  errors: string[],
): Promise<Page> {
  const page = await where.newPage();
  page.setDefaultTimeout(120_000); // generous: the suite runs other tests beside this one on 2 cores
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(`${url}?backend=${backend}`);
  await page.waitForFunction(
    (name) => document.querySelector("[data-testid=backend]")?.textContent === name,
    backend,
  );
  return page;
}
