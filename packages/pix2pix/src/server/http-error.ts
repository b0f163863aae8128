/**
 * Every error the API answers is a status and a JSON body `{error, hint}`, never a stack trace:
 * HttpError for the refusals the routes decide, UserError (bad input the library found) as 422, and
 * anything else as a 500 whose details go to the server's log only.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { UserError } from "../errors.ts";

export class HttpError extends Error {
  override readonly name = "HttpError";

  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly hint?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export interface ErrorBody {
  readonly error: string;
  readonly hint?: string;
}

export function errorBody(message: string, hint?: string): ErrorBody {
  return hint === undefined ? { error: message } : { error: message, hint };
}

/** The response for `error`; `log` hears about internal errors (with their stack). */
export function errorResponse(c: Context, error: unknown, log: (line: string) => void): Response {
  if (error instanceof HttpError) {
    for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
    return c.json(errorBody(error.message, error.hint), error.status);
  }
  if (error instanceof UserError) return c.json(errorBody(error.message, error.hint), 422);
  log(`internal error on ${c.req.method} ${c.req.path}: ${error instanceof Error ? error.stack : error}`);
  return c.json(errorBody("internal error", "the server's log has the details"), 500);
}
