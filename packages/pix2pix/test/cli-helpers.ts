/** Runs the `pix2pix` command in a child process, as a user would, from the source (see pix2pix-source.js). */
import { spawnSync } from "node:child_process";
import path from "node:path";

const bin = path.resolve(import.meta.dirname, "pix2pix-source.js");

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): CliResult {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd,
    encoding: "utf8",
    timeout: options.timeoutMs ?? 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
