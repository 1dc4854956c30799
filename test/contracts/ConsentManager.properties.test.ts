import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { hexlify } from "ethers";
import { deployCore, randomKey } from "../helpers/fixture";
import { ALL_RECORDS, Scope, Purpose } from "../../sdk/vocabulary";

const UINT64_MAX = (1n << 64n) - 1n;
const UINT256_MAX = (1n << 256n) - 1n;

async function deployHarness() {
  const factory = await ethers.getContractFactory("ScopesHarness");
  const harness = await factory.deploy();
  await harness.waitForDeployment();
  return harness;
}

/** The purpose rule: non-zero, and the last 10 bytes zero (the code fits the stored 22 bytes). */
const purposeRule = (bytes: Uint8Array) => bytes.some((b) => b !== 0) && bytes.slice(22).every((b) => b === 0);

describe("ConsentManager properties", () => {
  describe("Scopes and Purposes rules (ScopesHarness)", () => {
    it("covers(g, r) == (r != 0 && (g & r) == r) for all uint8 pairs", async () => {
      const harness = await loadFixture(deployHarness);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), async (granted, requested) => {
          const expected = requested !== 0 && (granted & requested) === requested;
          expect(await harness.covers(granted, requested)).to.equal(expected);
        }),
        { numRuns: 200, examples: [[0, 0], [7, 0], [7, 7], [1, 3], [255, 255], [3, 1]] },
      );
    });

    it("isValid(s) == (s != 0 && s < 8) for all uint8", async () => {
      const harness = await loadFixture(deployHarness);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 255 }), async (scopes) => {
          expect(await harness.isValid(scopes)).to.equal(scopes !== 0 && scopes < 8);
        }),
        { numRuns: 200, examples: [[0], [1], [7], [8], [255]] },
      );
    });

    it("isLive(expiresAt, timestamp) == timestamp < expiresAt", async () => {
      const harness = await loadFixture(deployHarness);
      const expiresAtArb = fc.bigInt({ min: 0n, max: UINT64_MAX });
      // Half the timestamps land right around the expiry, to hit the boundary often.
      const caseArb = fc.oneof(
        fc.tuple(expiresAtArb, fc.bigInt({ min: 0n, max: UINT256_MAX })),
        fc.tuple(expiresAtArb, fc.bigInt({ min: 0n, max: UINT64_MAX })),
        expiresAtArb.chain((e) =>
          fc.tuple(
            fc.constant(e),
            fc.integer({ min: -2, max: 2 }).map((d) => {
              const t = e + BigInt(d);
              return t < 0n ? 0n : t;
            }),
          ),
        ),
      );
      await fc.assert(
        fc.asyncProperty(caseArb, async ([expiresAt, timestamp]) => {
          expect(await harness.isLive(expiresAt, timestamp)).to.equal(timestamp < expiresAt);
        }),
        {
          numRuns: 200,
          examples: [[[0n, 0n]], [[1n, 0n]], [[1n, 1n]], [[UINT64_MAX, UINT64_MAX - 1n]], [[UINT64_MAX, UINT256_MAX]]],
        },
      );
    });

    it("isValidPurpose(p) == (p != 0 && last 10 bytes of p are zero)", async () => {
      const harness = await loadFixture(deployHarness);
      const head = fc.oneof(fc.constant(new Uint8Array(22)), fc.uint8Array({ minLength: 22, maxLength: 22 }));
      const tail = fc.oneof(
        fc.constant(new Uint8Array(10)),
        fc.uint8Array({ minLength: 10, maxLength: 10 }),
        // exactly one non-zero tail byte, anywhere
        fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 255 })).map(([i, v]) => {
          const t = new Uint8Array(10);
          t[i] = v;
          return t;
        }),
      );
      const purposeArb = fc.oneof(
        fc.tuple(head, tail).map(([h, t]) => new Uint8Array([...h, ...t])),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
      );
      await fc.assert(
        fc.asyncProperty(purposeArb, async (bytes) => {
          expect(await harness.isValidPurpose(hexlify(bytes))).to.equal(purposeRule(bytes));
        }),
        { numRuns: 200 },
      );
      for (const code of Object.values(Purpose)) expect(await harness.isValidPurpose(code)).to.equal(true);
    });
  });

  describe("model-based: hasAccess of one provider on one record follows a simple model", () => {
    type Slot = "token" | "all";
    type Action =
      | { kind: "grant"; slot: Slot; scopes: number; duration: number; purpose: string; signed: boolean }
      | { kind: "revoke"; slot: Slot }
      | { kind: "advance"; seconds: number }
      | { kind: "toggleSuspension" }
      | { kind: "emergency"; duration: number }
      | { kind: "endEmergency" };

    interface ModelGrant {
      scopes: number;
      expiresAt: bigint;
      purpose: string;
    }
    interface Model {
      token: ModelGrant | null;
      all: ModelGrant | null;
      emergency: { expiresAt: bigint } | null;
      suspended: boolean;
    }

    const PURPOSES = [Purpose.TREATMENT, Purpose.RESEARCH, Purpose.EMERGENCY];
    const slotArb = fc.constantFrom<Slot>("token", "all");
    const actionArb: fc.Arbitrary<Action> = fc.oneof(
      fc.record({
        kind: fc.constant("grant" as const),
        slot: slotArb,
        scopes: fc.integer({ min: 1, max: 7 }),
        // 0 and 1 make the consent dead on arrival (expiresAt <= block timestamp).
        duration: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 4, max: 200_000 })),
        purpose: fc.constantFrom(...PURPOSES),
        signed: fc.boolean(),
      }),
      fc.record({ kind: fc.constant("revoke" as const), slot: slotArb }),
      fc.record({ kind: fc.constant("advance" as const), seconds: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 6, max: 200_000 })) }),
      fc.record({ kind: fc.constant("toggleSuspension" as const) }),
      fc.record({ kind: fc.constant("emergency" as const), duration: fc.integer({ min: 1, max: 86_400 }) }),
      fc.record({ kind: fc.constant("endEmergency" as const) }),
    );

    const live = (g: { expiresAt: bigint } | null, now: bigint) => g !== null && now < g.expiresAt;
    const coversScope = (g: ModelGrant | null, scope: number, now: bigint) => live(g, now) && (g!.scopes & scope) === scope;

    function expectedAccess(m: Model, scope: number, now: bigint): boolean {
      if (m.suspended) return false;
      if (coversScope(m.token, scope, now) || coversScope(m.all, scope, now)) return true;
      return scope === Scope.READ && live(m.emergency, now);
    }

    function expectedAccessFor(m: Model, purpose: string, now: bigint): boolean {
      if (m.suspended) return false;
      for (const g of [m.token, m.all]) if (coversScope(g, Scope.READ, now) && g!.purpose === purpose) return true;
      return purpose === Purpose.EMERGENCY && live(m.emergency, now);
    }

    it("agrees with the model after every action of random sequences", async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 12 }), async (actions) => {
          runs++;
          const core = await loadFixture(deployCore);
          const { patient, provider, breakGlass } = core.signers;
          const grantee = provider.address;
          const model: Model = { token: null, all: null, emergency: null, suspended: false };
          const tokenOf = (slot: Slot) => (slot === "token" ? core.tokenId : ALL_RECORDS);

          /** Pins the next block one second after the latest, so that expiries are exact. */
          const pinNext = async () => {
            const next = BigInt(await time.latest()) + 1n;
            await time.setNextBlockTimestamp(next);
            return next;
          };

          for (const action of actions) {
            switch (action.kind) {
              case "grant": {
                const expiresAt = BigInt(await time.latest()) + BigInt(action.duration);
                const consent = await core.consentFor({
                  tokenId: tokenOf(action.slot),
                  scopes: action.scopes,
                  purpose: action.purpose,
                  expiresAt,
                });
                const signature = action.signed ? await core.sign(consent) : "";
                const txTime = await pinNext();
                const tx = action.signed
                  ? core.consents.grant(consent, signature)
                  : core.consents.connect(patient).grantDirect(consent);
                if (expiresAt <= txTime) {
                  await expect(tx).to.be.revertedWithCustomError(core.consents, "ConsentExpired").withArgs(expiresAt);
                } else if (model.suspended) {
                  await expect(tx).to.be.revertedWithCustomError(core.consents, "InactiveGrantee").withArgs(grantee);
                } else {
                  await expect(tx).to.emit(core.consents, "AccessGranted");
                  model[action.slot] = { scopes: action.scopes, expiresAt, purpose: action.purpose };
                }
                break;
              }
              case "revoke": {
                await pinNext();
                const tx = core.consents.connect(patient).revoke(tokenOf(action.slot), grantee);
                if (model[action.slot] === null) {
                  await expect(tx)
                    .to.be.revertedWithCustomError(core.consents, "NoGrant")
                    .withArgs(patient.address, tokenOf(action.slot), grantee);
                } else {
                  await expect(tx)
                    .to.emit(core.consents, "AccessRevoked")
                    .withArgs(patient.address, grantee, tokenOf(action.slot), model[action.slot]!.purpose);
                  model[action.slot] = null;
                }
                break;
              }
              case "advance":
                await time.increase(action.seconds);
                break;
              case "toggleSuspension":
                await pinNext();
                if (model.suspended) await core.providers.reinstate(grantee);
                else await core.providers.suspend(grantee, randomKey());
                model.suspended = !model.suspended;
                break;
              case "emergency": {
                const txTime = await pinNext();
                const tx = core.consents
                  .connect(breakGlass)
                  .emergencyAccess(core.tokenId, grantee, randomKey(), action.duration);
                if (model.suspended) {
                  await expect(tx).to.be.revertedWithCustomError(core.consents, "InactiveGrantee").withArgs(grantee);
                } else {
                  await expect(tx).to.emit(core.consents, "EmergencyAccessGranted");
                  model.emergency = { expiresAt: txTime + BigInt(action.duration) };
                }
                break;
              }
              case "endEmergency": {
                await pinNext();
                const tx = core.consents.connect(patient).endEmergencyAccess(core.tokenId, grantee);
                if (model.emergency === null) {
                  await expect(tx).to.be.revertedWithCustomError(core.consents, "NoGrant");
                } else {
                  await expect(tx).to.emit(core.consents, "EmergencyAccessEnded");
                  model.emergency = null;
                }
                break;
              }
            }

            const now = BigInt(await time.latest());
            for (let scope = 1; scope <= 7; scope++) {
              const actual = await core.consents.hasAccess(grantee, core.tokenId, scope);
              expect(actual, `hasAccess(scope=${scope}) after ${JSON.stringify(action)} at ${now}`).to.equal(
                expectedAccess(model, scope, now),
              );
            }
            for (const purpose of PURPOSES) {
              const actual = await core.consents.hasAccessFor(grantee, core.tokenId, Scope.READ, purpose);
              expect(actual, `hasAccessFor(READ, ${purpose}) after ${JSON.stringify(action)}`).to.equal(
                expectedAccessFor(model, purpose, now),
              );
            }
            const canAppend = !model.suspended && coversScope(model.all, Scope.APPEND, now);
            expect(await core.consents.canAppend(grantee, patient.address), "canAppend").to.equal(canAppend);
          }
        }),
        { numRuns: 20 },
      );
      expect(runs).to.be.greaterThanOrEqual(20);
    });
  });
});
