import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { AbiCoder, decodeBytes32String, getAddress, hexlify, keccak256, type Contract, type FunctionFragment } from "ethers";
import * as vocabulary from "../../sdk/vocabulary";
import * as limits from "../../sdk/vocabulary/limits";

const ROOT = path.resolve(__dirname, "../..");

/** Names of the `internal constant`s a Solidity library declares (its private helpers excluded). */
function libraryConstants(file: string): string[] {
  const source = readFileSync(path.join(ROOT, "contracts/libraries", file), "utf8");
  return [...source.matchAll(/\binternal\s+constant\s+([A-Z_][A-Z0-9_]*)\s*=/g)].map((m) => m[1]);
}

/**
 * Each cap of the contracts with its counterpart in `sdk/vocabulary/limits.ts` (and `ALL_RECORDS`). The keys are
 * the contracts' constant names; the values the module's export names.
 */
const LIMIT_COUNTERPARTS: Readonly<Record<string, keyof typeof vocabulary>> = {
  ALL_RECORDS: "ALL_RECORDS",
  MAX_EMERGENCY_DURATION: "MAX_EMERGENCY_DURATION_SECONDS",
  EMERGENCY_WINDOW: "EMERGENCY_WINDOW_SECONDS",
  MAX_EMERGENCY_PER_WINDOW: "MAX_EMERGENCY_PER_WINDOW_SECONDS",
  MAX_EXPIRY: "MAX_EXPIRY",
  RAW_CODEC: "RAW_CID_CODEC",
};

/** The integer constants a contract exposes: its argument-less view getters in capitals returning one uint. */
function integerConstants(contract: Contract): string[] {
  return contract.interface.fragments
    .filter((f): f is FunctionFragment => f.type === "function")
    .filter((f) => /^[A-Z][A-Z0-9_]*$/.test(f.name) && f.inputs.length === 0 && f.outputs.length === 1 && /^uint\d*$/.test(f.outputs[0].type))
    .map((f) => f.name);
}

async function deployContracts() {
  const harness = await (await ethers.getContractFactory("VocabularyHarness")).deploy();
  // The constructors only check their addresses are non-zero; the constants need no working registries.
  const [a, b, c] = (await ethers.getSigners()).map((s) => s.address);
  const consents = await (await ethers.getContractFactory("ConsentManager")).deploy(a, b, c);
  const records = await (await ethers.getContractFactory("RecordToken")).deploy(a, b, c);
  await Promise.all([harness.waitForDeployment(), consents.waitForDeployment(), records.waitForDeployment()]);
  return { harness, consents: consents as unknown as Contract, records: records as unknown as Contract };
}

describe("sdk/vocabulary mirrors the contracts", () => {
  it("the harness exposes every constant of Scopes.sol and Purposes.sol", async () => {
    const { harness } = await loadFixture(deployContracts);
    const [scopeNames] = await harness.scopes();
    const [purposeNames] = await harness.purposes();
    expect([...scopeNames, "ALL"]).to.have.members(libraryConstants("Scopes.sol"));
    expect([...purposeNames]).to.have.members(libraryConstants("Purposes.sol"));
  });

  it("scopes: the same names and bits, no more and no fewer; ALL_SCOPES is Scopes.ALL", async () => {
    const { harness, consents } = await loadFixture(deployContracts);
    const [names, bits] = await harness.scopes();
    const onChain = Object.fromEntries(names.map((name: string, i: number) => [name, Number(bits[i])]));
    expect({ ...vocabulary.Scope }).to.deep.equal(onChain);
    expect([...vocabulary.SCOPE_NAMES]).to.deep.equal([...names].sort((x, y) => onChain[x] - onChain[y]));
    expect(vocabulary.ALL_SCOPES).to.equal(Number(await harness.allScopes()));
    // ConsentManager re-exports the bits publicly; they must agree too.
    for (const name of vocabulary.SCOPE_NAMES) expect(Number(await consents.getFunction(name)())).to.equal(vocabulary.Scope[name]);
  });

  it("purposes: the same names and bytes32 codes, no more and no fewer, each with a display", async () => {
    const { harness } = await loadFixture(deployContracts);
    const [names, codes] = await harness.purposes();
    const onChain = Object.fromEntries(names.map((name: string, i: number) => [name, codes[i] as string]));
    expect({ ...vocabulary.Purpose }).to.deep.equal(onChain);
    expect(Object.keys(vocabulary.PURPOSES)).to.have.members([...names]);
    for (const name of names as string[]) {
      expect(vocabulary.PURPOSES[name as vocabulary.PurposeName].code).to.equal(decodeBytes32String(onChain[name]));
    }
    const codesText = (codes as string[]).map((code) => decodeBytes32String(code));
    expect(Object.keys(vocabulary.PURPOSE_DISPLAY)).to.have.members(codesText);
    for (const code of codesText) expect(vocabulary.PURPOSE_DISPLAY[code]).to.be.a("string").and.not.empty;
  });

  it("the emergency purpose is Purposes.EMERGENCY; the consent purposes are all the others", async () => {
    const { harness } = await loadFixture(deployContracts);
    const [names, codes] = await harness.purposes();
    const byName = Object.fromEntries(names.map((name: string, i: number) => [name, decodeBytes32String(codes[i])]));
    expect(vocabulary.EMERGENCY_PURPOSE).to.equal(byName.EMERGENCY);
    expect([...vocabulary.CONSENT_PURPOSES]).to.have.members(
      Object.entries(byName).filter(([name]) => name !== "EMERGENCY").map(([, code]) => code),
    );
  });

  it("ALL_RECORDS and the caps equal the contracts' constants, no more and no fewer", async () => {
    const { consents, records } = await loadFixture(deployContracts);
    const onChain = new Map<string, bigint>();
    const disclosureStatuses: string[] = [];
    for (const contract of [consents, records]) {
      for (const name of integerConstants(contract)) {
        if (name in vocabulary.Scope) continue; // the scope bits ConsentManager mirrors, checked above
        if (name.startsWith("DISCLOSURE_")) {
          const status = name.slice("DISCLOSURE_".length) as keyof typeof vocabulary.DisclosureStatus;
          expect(BigInt(vocabulary.DisclosureStatus[status]), name).to.equal(BigInt(await contract.getFunction(name)()));
          disclosureStatuses.push(status);
          continue;
        }
        onChain.set(name, BigInt(await contract.getFunction(name)()));
      }
    }
    expect([...onChain.keys()]).to.have.members(Object.keys(LIMIT_COUNTERPARTS));
    for (const [name, value] of onChain) {
      expect(BigInt(vocabulary[LIMIT_COUNTERPARTS[name]] as number | bigint), name).to.equal(value);
    }
    expect(disclosureStatuses).to.have.members(Object.keys(vocabulary.DisclosureStatus));
    // Every cap the module defines has a counterpart on chain.
    expect(Object.values(LIMIT_COUNTERPARTS)).to.include.members(Object.keys(limits));
  });

  it("formatTokenId shows ALL_RECORDS as 'all' and every other id in decimal", () => {
    expect(vocabulary.formatTokenId(vocabulary.ALL_RECORDS)).to.equal("all");
    expect(vocabulary.formatTokenId(vocabulary.ALL_RECORDS - 1n)).to.equal((vocabulary.ALL_RECORDS - 1n).toString(10));
    expect(vocabulary.formatTokenId(7n)).to.equal("7");
  });

  it("scopeNames names the defined bits in bit order and an undefined bit by its value", () => {
    expect(vocabulary.scopeNames(vocabulary.ALL_SCOPES)).to.deep.equal([...vocabulary.SCOPE_NAMES]);
    expect(vocabulary.scopeNames(vocabulary.Scope.ANNOTATE | 0x10)).to.deep.equal(["ANNOTATE", "16"]);
    expect(vocabulary.scopeNames(0)).to.deep.equal([]);
  });

  it("property: recordTokenId is the low 128 bits of keccak256(abi.encode(writer, patient, salt)), for any case of the addresses", () => {
    const reference = (writer: string, patient: string, salt: string) => {
      const id = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["address", "address", "bytes32"], [writer, patient, salt]))) & ((1n << 128n) - 1n);
      return id === 0n ? 1n << 128n : id;
    };
    const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).chain((bytes) => fc.constantFrom(getAddress(hexlify(bytes)), hexlify(bytes).toLowerCase()));
    const salt = fc.uint8Array({ minLength: 32, maxLength: 32 }).chain((bytes) => fc.constantFrom(hexlify(bytes), hexlify(bytes).toUpperCase().replace("0X", "0x")));
    fc.assert(
      fc.property(address, address, salt, (writer, patient, s) => {
        expect(vocabulary.recordTokenId(writer, patient, s)).to.equal(reference(getAddress(writer), getAddress(patient), s));
      }),
      { numRuns: 300 },
    );
  });

  it("recordTokenId refuses a salt that is not 32 bytes of hex and an address whose checksum is wrong", () => {
    const writer = getAddress("0x" + "ab".repeat(20));
    for (const bad of ["0x", "0x" + "00".repeat(31), "0x" + "00".repeat(33), "00".repeat(32), "0x" + "zz".repeat(32)]) {
      expect(() => vocabulary.recordTokenId(writer, writer, bad), bad).to.throw(/invalid bytes32 salt/);
    }
    const wrongChecksum = writer.slice(0, 2) + (writer[2] === writer[2].toUpperCase() ? writer[2].toLowerCase() : writer[2].toUpperCase()) + writer.slice(3);
    if (wrongChecksum !== writer && /[a-fA-F]/.test(writer[2])) expect(() => vocabulary.recordTokenId(wrongChecksum, writer, "0x" + "11".repeat(32))).to.throw();
  });
});
