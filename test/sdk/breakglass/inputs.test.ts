import { expect } from "chai";
import { Interface, ZeroAddress, keccak256, toUtf8Bytes } from "ethers";
import {
  BreakGlassError,
  MAX_EMERGENCY_DURATION_SECONDS,
  connectSafe,
  emergencyDuration,
  emergencyReasonHash,
  proposeEmergencyAccess,
  setEmergencyDelegateCall,
  toSafeProvider,
  type SafeConnection,
} from "../../../sdk/breakglass";
import type { Eip1193Provider } from "@safe-global/protocol-kit";
import { InvalidArgumentError, MedrecError } from "../../../sdk/errors";
import { ConsentManager__factory } from "../../../sdk/chain/contracts";

const CONSENT_MANAGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const GRANTEE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const REASON = "trauma bay 2: unresponsive, suspected anticoagulant use";

/** A Safe connection that fails the test if anything touches it (so nothing reached the chain). */
const untouchable = new Proxy({} as SafeConnection, {
  get(_, property) {
    if (property === "then") return undefined; // not a thenable
    throw new Error(`the chain was touched: Safe.${String(property)}`);
  },
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(MedrecError);
    expect((error as Error).message).to.not.include(REASON);
    return (error as MedrecError).code;
  }
  return undefined;
}

describe("sdk/breakglass: inputs checked before anything touches the chain", () => {
  it("emergencyReasonHash is keccak256 of the UTF-8 reason, exactly as given", () => {
    for (const reason of [REASON, "Bewusstlos, Allergie unbekannt: Notfall", "急诊 🚑", " leading and trailing "]) {
      expect(emergencyReasonHash(reason)).to.equal(keccak256(toUtf8Bytes(reason)));
    }
    expect(emergencyReasonHash("a")).to.not.equal(emergencyReasonHash("a "));
  });

  it("an empty or blank reason is MISSING_REASON", () => {
    for (const reason of ["", "   ", "\n\t"]) {
      expect(() => emergencyReasonHash(reason)).to.throw(BreakGlassError).with.property("code", "MISSING_REASON");
    }
  });

  it("a duration outside 1..86400 whole seconds is INVALID_DURATION", () => {
    expect(MAX_EMERGENCY_DURATION_SECONDS).to.equal(86_400);
    expect(emergencyDuration(1)).to.equal(1n);
    expect(emergencyDuration(86_400n)).to.equal(86_400n);
    for (const duration of [0, -1, 86_401, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 0n, 86_401n, -5n]) {
      expect(() => emergencyDuration(duration), String(duration)).to.throw(BreakGlassError).with.property("code", "INVALID_DURATION");
    }
  });

  it("proposeEmergencyAccess refuses a bad reason, duration, address or token id without touching the Safe", async () => {
    const base = { safe: untouchable, consentManager: CONSENT_MANAGER, tokenId: 1n, grantee: GRANTEE, reason: REASON, durationSeconds: 3600 };
    expect(await codeOf(proposeEmergencyAccess({ ...base, reason: " " }))).to.equal("MISSING_REASON");
    expect(await codeOf(proposeEmergencyAccess({ ...base, durationSeconds: 0 }))).to.equal("INVALID_DURATION");
    expect(await codeOf(proposeEmergencyAccess({ ...base, durationSeconds: 86_401 }))).to.equal("INVALID_DURATION");
    expect(await codeOf(proposeEmergencyAccess({ ...base, grantee: "0x1234" }))).to.equal("INVALID_ARGUMENT");
    expect(await codeOf(proposeEmergencyAccess({ ...base, consentManager: "nope" }))).to.equal("INVALID_ARGUMENT");
    expect(await codeOf(proposeEmergencyAccess({ ...base, tokenId: -1n }))).to.equal("INVALID_ARGUMENT");
    expect(await codeOf(proposeEmergencyAccess({ ...base, tokenId: 1.5 }))).to.equal("INVALID_ARGUMENT");
    // And with connect options, nothing is dialled either (the URL is unreachable).
    const dial = { provider: "http://127.0.0.1:9", safeAddress: ZeroAddress };
    expect(await codeOf(proposeEmergencyAccess({ ...base, safe: dial, durationSeconds: 90_000 }))).to.equal("INVALID_DURATION");
  });

  it("connectSafe refuses a malformed key without echoing it", async () => {
    const key = "0xnot-a-key-but-secret";
    let error: unknown;
    await connectSafe({ provider: "http://127.0.0.1:9", signerPrivateKey: key, safeAddress: ZeroAddress }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(InvalidArgumentError);
    expect((error as Error).message).to.not.include(key);
  });

  it("setEmergencyDelegateCall encodes ConsentManager.setEmergencyDelegate (and clearing with the zero address)", () => {
    const consents = new Interface(ConsentManager__factory.abi);
    const set = setEmergencyDelegateCall(CONSENT_MANAGER.toLowerCase(), GRANTEE.toLowerCase());
    expect(set.target).to.equal(CONSENT_MANAGER);
    expect(set.value).to.equal(0n);
    expect(consents.decodeFunctionData("setEmergencyDelegate", set.data)).to.deep.equal([GRANTEE]);
    expect(consents.decodeFunctionData("setEmergencyDelegate", setEmergencyDelegateCall(CONSENT_MANAGER, ZeroAddress).data)).to.deep.equal([
      ZeroAddress,
    ]);
  });

  it("toSafeProvider passes URLs and EIP-1193 providers through and wraps an ethers provider's send", async () => {
    expect(toSafeProvider("http://127.0.0.1:8545")).to.equal("http://127.0.0.1:8545");
    const eip1193: Eip1193Provider = { request: async () => "0x1" };
    expect(toSafeProvider(eip1193)).to.equal(eip1193);
    const calls: unknown[][] = [];
    const wrapped = toSafeProvider({ send: async (method: string, params: unknown[]) => (calls.push([method, params]), "0x7a69") });
    expect(typeof wrapped).to.equal("object");
    expect(await (wrapped as Eip1193Provider).request({ method: "eth_chainId" })).to.equal("0x7a69");
    expect(calls).to.deep.equal([["eth_chainId", []]]);
  });
});
