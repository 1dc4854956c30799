import { expect } from "chai";
import { MedrecError } from "../../sdk/errors";

type ErrorClass = abstract new (...args: never[]) => MedrecError;

function assertMedrecError(thrown: unknown, cls: ErrorClass, code: string): MedrecError {
  if (thrown === undefined) expect.fail(`expected ${cls.name} (${code}) but nothing was thrown`);
  expect(thrown, `thrown: ${String(thrown)}`).to.be.instanceOf(cls);
  expect(thrown).to.be.instanceOf(MedrecError);
  expect((thrown as MedrecError).code).to.equal(code);
  return thrown as MedrecError;
}

/** Runs `fn`, asserts it throws an instance of `cls` carrying `code`, and returns the error. */
export function expectMedrecError(fn: () => unknown, cls: ErrorClass, code: string): MedrecError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  return assertMedrecError(thrown, cls, code);
}

/** Awaits `promise`, asserts it rejects with an instance of `cls` carrying `code`, and returns the error. */
export async function expectRejects(promise: Promise<unknown>, cls: ErrorClass, code: string): Promise<MedrecError> {
  let thrown: unknown;
  try {
    await promise;
  } catch (err) {
    thrown = err;
  }
  return assertMedrecError(thrown, cls, code);
}
