/**
 * A throwaway `redis-server` on a free loopback port, with no persistence: what the queue's tests and
 * its benchmark run against (a real Redis, never a stand-in). Debian's `redis-server` package provides
 * the binary; scripts/setup.sh installs it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, Socket } from "node:net";
import { UserError } from "../errors.ts";

export interface LocalRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s); safe to call twice. */
  stop(): Promise<void>;
}

/** A port nothing listens on now: the kernel's pick for a listener closed at once. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP port was assigned");
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts `redis-server` on a free loopback port and resolves once it accepts connections. */
export async function startLocalRedis(binary = "redis-server"): Promise<LocalRedis> {
  const port = await freePort();
  const child = spawn(
    binary,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) =>
      reject(
        new UserError(
          `cannot start ${binary}: ${error.message}`,
          "install Redis (scripts/setup.sh installs Debian's redis-server)",
        ),
      ),
    );
    child.once("exit", (code) => reject(new Error(`${binary} exited with status ${code}: ${output.trim()}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const kill = setTimeout(() => child.kill("SIGKILL"), 2000);
    child.kill("SIGTERM");
    await exited(child);
    clearTimeout(kill);
  };
  const ready = (async () => {
    for (let waited = 0; waited < 10_000; waited += 50) {
      if (await accepts(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${binary} did not accept connections on port ${port} within 10 s: ${output.trim()}`);
  })();
  try {
    await Promise.race([ready, failed]);
  } catch (error) {
    await stop();
    throw error;
  }
  failed.catch(() => undefined); // an exit after startup is stop()'s doing, or shows in the caller's errors
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}
