import { expect } from "chai";
import fc from "fast-check";
import { Wallet, getAddress, hexlify, recoverAddress } from "ethers";
import {
  accessRequestDigest,
  accessRequestFromBody,
  accessRequestToBody,
  resolverDomain,
  signAccessRequest,
  type AccessRequest,
} from "../../../sdk/resolver";

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b));
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(hexlify(b)));
const request: fc.Arbitrary<AccessRequest> = fc.record({
  requester: address,
  resolver: address,
  tokenId: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
  purpose: bytes32,
  ephemeralPublicKey: bytes32,
  deadline: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  nonce: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
});

describe("sdk/resolver: access requests on the wire and under EIP-712", () => {
  const domain = resolverDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  const signer = new Wallet("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

  it("property: body encoding round-trips every field", () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(accessRequestFromBody(accessRequestToBody(r, "0x00"))).to.deep.equal(r);
      }),
    );
  });

  it("property: the signature recovers to the signer, and changing any field changes the digest", async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.constantFrom("tokenId", "purpose", "ephemeralPublicKey", "deadline", "nonce", "requester", "resolver"), async (r, field) => {
        const signature = await signAccessRequest(signer, domain, r);
        expect(recoverAddress(accessRequestDigest(domain, r), signature)).to.equal(signer.address);
        const changed = { ...r } as Record<string, unknown>;
        const value = r[field as keyof AccessRequest];
        changed[field] =
          typeof value === "bigint"
            ? value === 0n ? 1n : value - 1n
            : field === "requester" || field === "resolver" ? getAddress(hexlify(Uint8Array.from(Buffer.from((value as string).slice(2), "hex")).map((b, i) => (i === 0 ? b ^ 1 : b))))
            : hexlify(Uint8Array.from(Buffer.from((value as string).slice(2), "hex")).map((b, i) => (i === 0 ? b ^ 1 : b)));
        expect(accessRequestDigest(domain, changed as unknown as AccessRequest)).to.not.equal(accessRequestDigest(domain, r));
      }),
      { numRuns: 50 },
    );
  });

  it("the domain binds chain and ConsentManager", () => {
    const r: AccessRequest = { requester: signer.address, resolver: signer.address, tokenId: 1n, purpose: "0x" + "11".repeat(32), ephemeralPublicKey: "0x" + "22".repeat(32), deadline: 9n, nonce: 3n };
    const digests = new Set([
      accessRequestDigest(domain, r),
      accessRequestDigest(resolverDomain(1n, domain.verifyingContract!), r),
      accessRequestDigest(resolverDomain(31337n, "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"), r),
    ]);
    expect(digests.size).to.equal(3);
  });
});
