import { expect } from "chai";
import { Wallet, getAddress, hexlify, keccak256, randomBytes, type BaseWallet } from "ethers";
import { chainlessResolver, CHAINLESS_CHAIN_ID, type ChainlessResolver } from "../helpers/chainless-resolver";
import { signedAccessBody } from "../helpers/access-requests";
import { expectRefusal, send } from "../helpers/inject-refusals";
import {
  ACCESS_REQUEST_TYPES,
  RESOLVER_ROUTES,
  keyDepositPath,
  resolverDomain,
  signKeyDeposit,
  wallClockSeconds,
  type AccessRequestBody,
  type KeyDeposit,
  type KeyDepositBody,
} from "../../sdk/resolver";
import { generateEncryptionKeyPair } from "../../sdk/crypto";
import { Purpose } from "../../sdk/vocabulary";

/**
 * The refusals of the resolver that need no chain, against the real app (`buildResolverApp`, as the process builds
 * it) through `inject`. Its chain is an endpoint nobody listens on: a request that got past the check under test
 * would reach the chain and be answered 503 `CHAIN_UNAVAILABLE`, so each test fails if its check is removed.
 */
describe("resolver routes under inject: refusals that need no chain", () => {
  let resolver: ChainlessResolver;
  const reader = Wallet.createRandom();
  const access = (payload: unknown, headers?: Record<string, string>) => send(resolver.app, "POST", RESOLVER_ROUTES.access, payload, headers);
  const signed = (overrides = {}, tamper: Partial<AccessRequestBody> = {}) => signedAccessBody(resolver, reader, 1n, overrides, tamper).then((r) => r.body);

  /** A deposit body signed by `signer` in the name of `depositor` (default: the signer). */
  async function depositBody(signer: BaseWallet, overrides: Partial<KeyDeposit> = {}): Promise<KeyDepositBody> {
    const wrappedKey = hexlify(randomBytes(93));
    const deposit: KeyDeposit = { depositor: signer.address, tokenId: 1n, version: 1n, wrappedKeyHash: keccak256(wrappedKey), deadline: wallClockSeconds() + 60n, ...overrides };
    const signature = await signKeyDeposit(signer, resolver.domain, deposit);
    return { depositor: deposit.depositor, version: deposit.version.toString(), wrappedKey, deadline: deposit.deadline.toString(), signature };
  }

  before(async () => {
    resolver = await chainlessResolver({ limits: { perIpPerMinute: 100_000, perRequesterPerMinute: 100_000 } });
  });
  after(async () => resolver?.close());

  describe("the stand-in chain", () => {
    it("a well-formed, well-signed request gets past every check that needs no chain: 503 CHAIN_UNAVAILABLE with retry-after", async () => {
      const response = await access(await signed());
      expectRefusal(response, 503, "CHAIN_UNAVAILABLE");
      expect(response.headers["retry-after"]).to.equal("5");
    });

    it("/healthz names the chain as failing (503 degraded, failing: chain), and the checks that depend on it are not blamed", async () => {
      const response = await resolver.app.inject({ method: "GET", url: RESOLVER_ROUTES.health });
      expect(response.statusCode).to.equal(503);
      const body = response.json<{ status: string; failing: string[]; checks: Record<string, { ok: boolean; error?: string }>; blockNumber: number | null }>();
      expect(body.status).to.equal("degraded");
      expect(body.failing).to.include("chain").and.not.include("contract-code").and.not.include("resolver-role").and.not.include("database-writable");
      expect(body.checks["contract-code"].error).to.match(/not known: chain failed/);
      expect(body.blockNumber).to.equal(null);
    });

    it("/v1/info needs no chain: the resolver's chain id, address and key-release public key", async () => {
      const response = await resolver.app.inject({ method: "GET", url: RESOLVER_ROUTES.info });
      expect(response.statusCode).to.equal(200);
      const info = response.json<Record<string, string>>();
      expect(info.chainId).to.equal(CHAINLESS_CHAIN_ID.toString());
      expect(info.address).to.equal(resolver.identity.address);
      expect(info.encryptionPublicKey).to.equal(hexlify(resolver.identity.encryptionPublicKey));
      expect(info.consentManager).to.equal(resolver.domain.verifyingContract);
    });
  });

  describe("bodies, media types and routes", () => {
    it("a body that is not JSON is a JSON 400 INVALID_REQUEST", async () => {
      expectRefusal(await access("{not json"), 400, "INVALID_REQUEST");
    });

    it("schema violations are 400 INVALID_REQUEST: a negative, leading-zero or numeric integer, an extra or missing field, a bad address or signature", async () => {
      const body = await signed();
      const { signature: _dropped, ...unsigned } = body;
      const cases: [string, unknown][] = [
        ["negative token id", { ...body, tokenId: "-1" }],
        ["leading zero", { ...body, nonce: `0${body.nonce}` }],
        ["number, not a decimal string", { ...body, tokenId: 1 }],
        ["extra field", { ...body, extra: "field" }],
        ["missing signature", unsigned],
        ["short address", { ...body, requester: body.requester.slice(0, 40) }],
        ["signature shorter than 65 bytes", { ...body, signature: body.signature.slice(0, 130) }],
        ["an array", [body]],
      ];
      for (const [name, payload] of cases) {
        const error = expectRefusal(await access(payload), 400, "INVALID_REQUEST");
        expect(error.message, name).to.not.include(body.signature.slice(2));
      }
    });

    it("integers beyond their Solidity width are a 400 INVALID_REQUEST, not a 500", async () => {
      const tooBig = (1n << 256n).toString();
      const body = await signed();
      for (const field of ["tokenId", "nonce"] as const) expectRefusal(await access({ ...body, [field]: tooBig }), 400, "INVALID_REQUEST");
      expectRefusal(await access({ ...body, deadline: (1n << 64n).toString() }), 400, "INVALID_REQUEST");
      const deposit = { depositor: reader.address, version: "1", wrappedKey: "0x" + "02".repeat(93), deadline: "1", signature: "0x" + "11".repeat(65) };
      expectRefusal(await send(resolver.app, "PUT", `/v1/records/${tooBig}/key`, deposit), 400, "INVALID_REQUEST");
      expectRefusal(await send(resolver.app, "PUT", keyDepositPath(1n), { ...deposit, version: (1n << 64n).toString() }), 400, "INVALID_REQUEST");
    });

    it("an oversized body is a JSON 413 PAYLOAD_TOO_LARGE", async () => {
      const body = await signed();
      expectRefusal(await access({ ...body, signature: "0x" + "ab".repeat(2000) }), 413, "PAYLOAD_TOO_LARGE");
      const deposit = await depositBody(reader);
      expectRefusal(await send(resolver.app, "PUT", keyDepositPath(1n), { ...deposit, padding: "x".repeat(5000) }), 413, "PAYLOAD_TOO_LARGE");
    });

    it("any media type but JSON is a JSON 415 UNSUPPORTED_MEDIA_TYPE", async () => {
      const body = JSON.stringify(await signed());
      for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/octet-stream"]) {
        expectRefusal(await access(type === "text/plain" ? "hello" : body, { "content-type": type }), 415, "UNSUPPORTED_MEDIA_TYPE");
      }
    });

    it("unknown routes and wrong methods are a JSON 404 NOT_FOUND", async () => {
      expectRefusal(await resolver.app.inject({ method: "GET", url: "/v1/nothing" }), 404, "NOT_FOUND");
      expectRefusal(await resolver.app.inject({ method: "GET", url: RESOLVER_ROUTES.access }), 404, "NOT_FOUND");
      expectRefusal(await send(resolver.app, "POST", keyDepositPath(1n), await depositBody(reader)), 404, "NOT_FOUND");
    });

    it("key deposits: a malformed token id, wrapped key or field is a 400 INVALID_REQUEST", async () => {
      const deposit = await depositBody(reader);
      expectRefusal(await send(resolver.app, "PUT", "/v1/records/abc/key", deposit), 400, "INVALID_REQUEST");
      expectRefusal(await send(resolver.app, "PUT", "/v1/records/01/key", deposit), 400, "INVALID_REQUEST");
      expectRefusal(await send(resolver.app, "PUT", keyDepositPath(1n), { ...deposit, wrappedKey: deposit.wrappedKey.slice(0, -2) }), 400, "INVALID_REQUEST");
      expectRefusal(await send(resolver.app, "PUT", keyDepositPath(1n), { ...deposit, tokenId: "1" }), 400, "INVALID_REQUEST");
    });
  });

  describe("signatures, deadlines and the resolver named", () => {
    it("an expired deadline is refused (401 REQUEST_EXPIRED), and so is a deadline too far ahead (400)", async () => {
      expectRefusal(await access(await signed({ deadline: wallClockSeconds() - 1n })), 401, "REQUEST_EXPIRED");
      expectRefusal(await access(await signed({ deadline: wallClockSeconds() + 86_400n })), 400, "INVALID_REQUEST");
    });

    it("a request signed for another resolver of the deployment is refused (400 WRONG_RESOLVER)", async () => {
      expectRefusal(await access(await signed({ resolver: Wallet.createRandom().address })), 400, "WRONG_RESOLVER");
    });

    it("a forged signature (another key signs in the reader's name) is refused (401 INVALID_SIGNATURE)", async () => {
      const forged = await signedAccessBody(resolver, Wallet.createRandom(), 1n, { requester: reader.address });
      expectRefusal(await access(forged.body), 401, "INVALID_SIGNATURE");
    });

    it("a signature over other fields is refused: the token id, the purpose or the ephemeral key changed after signing", async () => {
      for (const tamper of [{ tokenId: "2" }, { purpose: Purpose.RESEARCH }, { ephemeralPublicKey: generateEncryptionKeyPair().publicKeyHex }]) {
        expectRefusal(await access(await signed({}, tamper)), 401, "INVALID_SIGNATURE");
      }
    });

    it("a request signed for another chain or another deployment is refused (401 INVALID_SIGNATURE)", async () => {
      const body = await signed();
      const wrongDomains = [
        { ...resolver.domain, chainId: 1n },
        resolverDomain(CHAINLESS_CHAIN_ID, Wallet.createRandom().address),
        { ...resolver.domain, name: "another service" },
      ];
      for (const [i, domain] of wrongDomains.entries()) {
        const request = {
          requester: getAddress(reader.address),
          resolver: resolver.identity.address,
          tokenId: 1n,
          purpose: body.purpose,
          ephemeralPublicKey: body.ephemeralPublicKey,
          deadline: BigInt(body.deadline),
          nonce: BigInt(body.nonce) + BigInt(i) + 1n,
        };
        const signature = await reader.signTypedData(domain, ACCESS_REQUEST_TYPES, request);
        expectRefusal(await access({ ...body, nonce: request.nonce.toString(), signature }), 401, "INVALID_SIGNATURE");
      }
    });

    it("a nonce is spent once it is claimed, even when a later check fails: the same request again is 409 NONCE_REPLAYED", async () => {
      const body = await signed();
      expectRefusal(await access(body), 503, "CHAIN_UNAVAILABLE");
      expectRefusal(await access(body), 409, "NONCE_REPLAYED");
    });

    it("key deposits: expired (401), too far ahead (400), or signed by another key than the depositor's (401)", async () => {
      expectRefusal(await send(resolver.app, "PUT", keyDepositPath(1n), await depositBody(reader, { deadline: wallClockSeconds() - 1n })), 401, "REQUEST_EXPIRED");
      expectRefusal(await send(resolver.app, "PUT", keyDepositPath(1n), await depositBody(reader, { deadline: wallClockSeconds() + 86_400n })), 400, "INVALID_REQUEST");
      const forged = await depositBody(Wallet.createRandom(), { depositor: reader.address });
      expectRefusal(await send(resolver.app, "PUT", keyDepositPath(1n), forged), 401, "INVALID_SIGNATURE");
      // Signed for record #1, sent for record #2: the signature covers the token id of the path.
      expectRefusal(await send(resolver.app, "PUT", keyDepositPath(2n), await depositBody(reader)), 401, "INVALID_SIGNATURE");
      // The control: well signed, it gets as far as the chain.
      expectRefusal(await send(resolver.app, "PUT", keyDepositPath(1n), await depositBody(reader)), 503, "CHAIN_UNAVAILABLE");
      expect(await resolver.database.getWrap(1n, 1n)).to.equal(undefined);
    });
  });

  describe("logs", () => {
    it("refusals are logged with requester, token and code, never signatures, wrapped keys or the resolver's keys", async () => {
      const body = await signed({ deadline: wallClockSeconds() - 1n });
      await access(body);
      const deposit = await depositBody(Wallet.createRandom(), { depositor: reader.address });
      await send(resolver.app, "PUT", keyDepositPath(1n), deposit);
      const text = resolver.logs.join("\n").toLowerCase();
      const refusal = resolver.logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === "key release" && line.code === "REQUEST_EXPIRED");
      expect(refusal).to.include({ requester: reader.address, tokenId: "1", outcome: "refused" });
      const secrets = [body.signature, deposit.signature, deposit.wrappedKey, hexlify(resolver.identity.encryptionPrivateKey), resolver.identity.signerPrivateKey];
      for (const secret of secrets) expect(text).to.not.include(secret.slice(2).toLowerCase());
    });
  });
});
