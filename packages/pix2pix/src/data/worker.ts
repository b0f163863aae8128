/** A loader worker thread: loads the pairs the main thread asks for and sends back their pixels. */
import { loadPair } from "./decode.ts";
import { serveJobs } from "./worker-port.ts";

serveJobs(loadPair, (result) =>
  result.ok ? [result.input.buffer as ArrayBuffer, result.target.buffer as ArrayBuffer] : [],
);
