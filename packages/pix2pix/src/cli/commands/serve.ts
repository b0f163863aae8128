/** `pix2pix serve`: the HTTP API (translate, models, live runs) and the studio, until SIGINT or SIGTERM. */
import { serveOptions } from "../../server/options.ts";
import { defineCommand } from "../command.ts";

export const serveCommand = defineCommand({
  options: serveOptions,
  positionals: [],
  examples: [
    "pix2pix serve --models models/",
    "pix2pix serve --checkpoints-dir checkpoints --port 8080",
    "curl --data-binary @in.jpg -H 'Content-Type: image/jpeg' 'http://127.0.0.1:8080/api/translate?model=NAME' -o out.png",
    "PIX2PIX_TOKEN=secret pix2pix serve --host 0.0.0.0 --models models/",
  ],
  async run(options) {
    const { isLoopback, startServer } = await import("../../server/server.ts");
    const token = options.token ?? process.env.PIX2PIX_TOKEN;
    if (!isLoopback(options.host) && !token) {
      console.error(
        `warning: listening on ${options.host} without a token: anyone who reaches this host can use the API (set --token or PIX2PIX_TOKEN)`,
      );
    }
    // Listening before the URL is printed: a signal sent as soon as it is seen must not kill the process.
    const stop = new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    const server = await startServer({ ...options, ...(token && { token }) });
    console.log(`pix2pix serve: ${server.url} (${server.backend} backend; Ctrl-C stops)`);
    const signal = await stop;
    console.log(`${signal}: finishing the requests in flight, then exiting`);
    await server.close();
    console.log("stopped");
  },
});
