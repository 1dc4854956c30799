import { expect } from "chai";
import { Wallet, hexlify, randomBytes, type BaseWallet } from "ethers";
import type { LightMyRequestResponse } from "fastify";
import { chainlessResolver, type ChainlessResolver, type ChainlessResolverOptions } from "../helpers/chainless-resolver";
import { signedAccessBody } from "../helpers/access-requests";
import { expectRefusal, send } from "../helpers/inject-refusals";
import { RESOLVER_ROUTES } from "../../sdk/resolver";
import type { ContractSignatureChecker } from "../../resolver/signature";

/** Asserts a 429 `RATE_LIMITED` with a positive `retry-after`. */
function expectRateLimited(response: LightMyRequestResponse): void {
  expectRefusal(response, 429, "RATE_LIMITED");
  expect(Number(response.headers["retry-after"])).to.be.greaterThan(0);
}

/**
 * The resolver's rate limits, per client address and per requester, against the real app through `inject` (no
 * chain: a request that is not limited reaches the stand-in chain and is answered 503).
 */
describe("resolver rate limits under inject", () => {
  const open: ChainlessResolver[] = [];
  const start = async (options: ChainlessResolverOptions) => {
    const resolver = await chainlessResolver(options);
    open.push(resolver);
    return resolver;
  };
  const get = (resolver: ChainlessResolver, url: string, headers: Record<string, string> = {}) => resolver.app.inject({ method: "GET", url, headers });
  afterEach(async () => {
    for (const resolver of open.splice(0)) await resolver.close();
  });

  it("per client address: 429 RATE_LIMITED with retry-after on every route but /healthz, before the body is read", async () => {
    const resolver = await start({ limits: { perIpPerMinute: 3 } });
    for (let i = 0; i < 3; i++) expect((await get(resolver, RESOLVER_ROUTES.info)).statusCode).to.equal(200);
    expectRateLimited(await get(resolver, RESOLVER_ROUTES.info));
    const { body } = await signedAccessBody(resolver, Wallet.createRandom(), 1n);
    expectRateLimited(await send(resolver.app, "POST", RESOLVER_ROUTES.access, body));
    expectRateLimited(await send(resolver.app, "POST", RESOLVER_ROUTES.access, "{not json"));
    expectRateLimited(await get(resolver, "/v1/nothing"));
    // /healthz has a bucket of its own: answered (503 here: there is no chain), not limited.
    const health = await get(resolver, RESOLVER_ROUTES.health);
    expect(health.statusCode).to.equal(503);
    expect(health.json<{ status: string; failing: string[] }>()).to.deep.include({ status: "degraded" });
    expect(health.json<{ failing: string[] }>().failing).to.include("chain");
  });

  it("/healthz has its own per-address bucket, and spending it leaves the other routes their budget", async () => {
    const resolver = await start({ limits: { healthPerIpPerMinute: 2 } });
    for (let i = 0; i < 2; i++) expect((await get(resolver, RESOLVER_ROUTES.health)).statusCode).to.equal(503);
    expectRateLimited(await get(resolver, RESOLVER_ROUTES.health));
    expect((await get(resolver, RESOLVER_ROUTES.info)).statusCode).to.equal(200);
  });

  it("behind one trusted proxy hop the limit applies to the forwarded client; without trusted hops X-Forwarded-For is ignored", async () => {
    const proxied = await start({ trustedProxyHops: 1, limits: { perIpPerMinute: 2 } });
    const from = (resolver: ChainlessResolver, client: string) => get(resolver, RESOLVER_ROUTES.info, { "x-forwarded-for": client });
    expect([(await from(proxied, "10.0.0.1")).statusCode, (await from(proxied, "10.0.0.1")).statusCode]).to.deep.equal([200, 200]);
    expectRateLimited(await from(proxied, "10.0.0.1"));
    expect((await from(proxied, "10.0.0.2")).statusCode).to.equal(200);

    const direct = await start({ limits: { perIpPerMinute: 2 } });
    expect([(await from(direct, "10.0.0.1")).statusCode, (await from(direct, "10.0.0.2")).statusCode]).to.deep.equal([200, 200]);
    expectRateLimited(await from(direct, "10.0.0.3"));
  });

  it("per requester: a valid signer is counted after its check; beyond the limit 429 with retry-after, other requesters unaffected", async () => {
    const resolver = await start({ limits: { perRequesterPerMinute: 2 } });
    const reader = Wallet.createRandom();
    const request = async (signer: BaseWallet) => send(resolver.app, "POST", RESOLVER_ROUTES.access, (await signedAccessBody(resolver, signer, 1n)).body);
    for (let i = 0; i < 2; i++) expectRefusal(await request(reader), 503, "CHAIN_UNAVAILABLE"); // counted, then the chain
    expectRateLimited(await request(reader));
    expectRefusal(await request(Wallet.createRandom()), 503, "CHAIN_UNAVAILABLE");
  });

  it("junk signatures in an EOA's name are refused uncounted, so nobody can spend another's limit", async () => {
    const resolver = await start({ limits: { perRequesterPerMinute: 2 } });
    const reader = Wallet.createRandom();
    for (let i = 0; i < 5; i++) {
      const { body } = await signedAccessBody(resolver, reader, 1n);
      expectRefusal(await send(resolver.app, "POST", RESOLVER_ROUTES.access, { ...body, signature: hexlify(randomBytes(65)) }), 401, "INVALID_SIGNATURE");
    }
    const { body } = await signedAccessBody(resolver, reader, 1n);
    expectRefusal(await send(resolver.app, "POST", RESOLVER_ROUTES.access, body), 503, "CHAIN_UNAVAILABLE");
  });

  it("a claimed contract signer is counted before its ERC-1271 call: beyond the limit, no call is made", async () => {
    let calls = 0;
    const contracts: ContractSignatureChecker = {
      isContract: async () => true,
      vouches: async () => {
        calls++;
        return false;
      },
    };
    const resolver = await start({ limits: { perRequesterPerMinute: 2 }, contractSignatures: contracts });
    const account = Wallet.createRandom().address;
    const claim = async () => {
      const { body } = await signedAccessBody(resolver, Wallet.createRandom(), 1n, { requester: account });
      return send(resolver.app, "POST", RESOLVER_ROUTES.access, { ...body, signature: hexlify(randomBytes(65)) });
    };
    for (let i = 0; i < 2; i++) expectRefusal(await claim(), 401, "INVALID_SIGNATURE");
    expectRateLimited(await claim());
    expect(calls).to.equal(2);
  });
});
