import { expect } from "chai";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { RESOLVER_ERRORS, type ErrorBody, type ResolverErrorCode } from "../../sdk/resolver";

/** `POST`s or `PUT`s `payload` as JSON (or as given `headers` say) to `url` of `app`, through `inject`. */
export function send(app: FastifyInstance, method: "POST" | "PUT", url: string, payload: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  return app.inject({ method, url, payload: body, headers: { "content-type": "application/json", ...headers } });
}

/**
 * Asserts that `response` is the refusal `code` with HTTP `status`: the status the protocol gives the code, a JSON
 * `ErrorBody` with the code, its category and a message.
 * @returns The error of the body.
 */
export function expectRefusal(response: LightMyRequestResponse, status: number, code: ResolverErrorCode): ErrorBody["error"] {
  const label = `${code}: ${response.body}`;
  expect(response.statusCode, label).to.equal(status);
  expect(RESOLVER_ERRORS[code].status, `the protocol's status of ${code}`).to.equal(status);
  expect(response.headers["content-type"], label).to.match(/^application\/json/);
  const { error } = response.json<ErrorBody>();
  expect(error.code, label).to.equal(code);
  expect(error.category, label).to.equal(RESOLVER_ERRORS[code].category);
  expect(error.message, label).to.be.a("string").and.not.be.empty;
  return error;
}
