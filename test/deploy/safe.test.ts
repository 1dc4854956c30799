import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { Contract, ZeroAddress, getAddress, zeroPadValue } from "ethers";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  BREAK_GLASS_SALT_NONCE,
  SAFE_CONTRACTS,
  SAFE_CONTRACT_NAMES,
  breakGlassConfigFromEnv,
  deployBreakGlass,
  deploySafe,
  deploySafeContracts,
  readSafeArtifact,
  safeContractNetworks,
  safeContractsFromRegistry,
  verifySafeContracts,
  type SafeContractsDeployment,
} from "../../deploy/safe";
import { evmContractDeployer } from "../../deploy/contract-deployer";
import { deployMedrec } from "../../deploy/medrec";
import { readDeployment, writeDeployment } from "../../deploy/deployment-file";
import { ConsentManager__factory } from "../../sdk/chain/contracts";
import { BreakGlassError, SAFE_VERSION, connectSafe } from "../../sdk/breakglass";

/** Hardhat default accounts #6, #7 and #8 (the default hospital officers on local chains). */
const DEFAULT_OFFICERS = [
  "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
  "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
  "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
];
/** Safe's storage slot 0 holds the singleton; the fallback handler lives at keccak256("fallback_manager.handler.address"). */
const FALLBACK_HANDLER_SLOT = "0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5";

describe("deploy/safe: the Safe v1.4.1 contracts and the break-glass Safe", function () {
  this.timeout(120_000);
  let contracts: SafeContractsDeployment;

  before(async () => {
    const [deployer] = await ethers.getSigners();
    contracts = await deploySafeContracts(deployer);
  });

  it("deploys the eight contracts from the npm artifacts; the singleton is SafeL2 1.4.1 with the artifact's runtime code", async () => {
    expect(Object.keys(contracts.contracts)).to.deep.equal(SAFE_CONTRACT_NAMES);
    expect(contracts.source).to.equal("npm-artifacts");
    for (const name of SAFE_CONTRACT_NAMES) {
      expect(await ethers.provider.getCode(contracts.contracts[name].address), name).to.not.equal("0x");
    }
    const singleton = contracts.contracts.SafeL2.address;
    const artifact = readSafeArtifact("SafeL2");
    expect(artifact.contractName).to.equal("SafeL2");
    expect(await ethers.provider.getCode(singleton)).to.equal(artifact.deployedBytecode);
    expect(await new Contract(singleton, artifact.abi as never, ethers.provider).VERSION()).to.equal("1.4.1");
  });

  it("every contract is the canonical v1.4.1: runtime code hash and ABI equal @safe-global/safe-deployments'", async () => {
    const checks = await verifySafeContracts(ethers.provider, contracts);
    for (const name of SAFE_CONTRACT_NAMES) {
      expect(checks[name].matches, `${name}: ${checks[name].codeHash} vs ${checks[name].expected}`).to.equal(true);
      const registry = SAFE_CONTRACTS[name].lookup({ version: SAFE_VERSION })!;
      expect(readSafeArtifact(name).abi, name).to.deep.equal(registry.abi);
    }
    // The check is not vacuous: another contract's code does not pass as the singleton.
    const swapped = { ...contracts, contracts: { ...contracts.contracts, SafeL2: contracts.contracts.CreateCall } };
    expect((await verifySafeContracts(ethers.provider, swapped)).SafeL2.matches).to.equal(false);
  });

  it("gives protocol-kit's contractNetworks entry keyed by the decimal chain id", () => {
    const networks = safeContractNetworks(31337n, contracts);
    expect(Object.keys(networks)).to.deep.equal(["31337"]);
    expect(networks["31337"]).to.deep.equal({
      safeSingletonAddress: contracts.contracts.SafeL2.address,
      safeProxyFactoryAddress: contracts.contracts.SafeProxyFactory.address,
      multiSendAddress: contracts.contracts.MultiSend.address,
      multiSendCallOnlyAddress: contracts.contracts.MultiSendCallOnly.address,
      fallbackHandlerAddress: contracts.contracts.CompatibilityFallbackHandler.address,
      signMessageLibAddress: contracts.contracts.SignMessageLib.address,
      createCallAddress: contracts.contracts.CreateCall.address,
      simulateTxAccessorAddress: contracts.contracts.SimulateTxAccessor.address,
    });
  });

  it("deploySafe creates a 2-of-3 proxy of SafeL2 with the fallback handler (protocol-kit), and finds it again for the same salt", async () => {
    const [deployer] = await ethers.getSigners();
    const safe = await deploySafe({ signer: deployer, contracts, owners: DEFAULT_OFFICERS, threshold: 2, saltNonce: 7n });
    expect(safe.created).to.equal(true);
    expect(safe.saltNonce).to.equal("7");
    const connection = await connectSafe({
      provider: ethers.provider,
      safeAddress: safe.address,
      contractNetworks: safeContractNetworks(31337n, contracts),
    });
    expect((await connection.getOwners()).map((owner) => getAddress(owner))).to.have.members(DEFAULT_OFFICERS);
    expect(await connection.getThreshold()).to.equal(2);
    expect(await connection.getNonce()).to.equal(0);
    expect(await ethers.provider.getStorage(safe.address, 0)).to.equal(zeroPadValue(contracts.contracts.SafeL2.address, 32).toLowerCase());
    expect(getAddress("0x" + (await ethers.provider.getStorage(safe.address, FALLBACK_HANDLER_SLOT)).slice(26))).to.equal(
      contracts.contracts.CompatibilityFallbackHandler.address,
    );

    const again = await deploySafe({ signer: deployer, contracts, owners: DEFAULT_OFFICERS, threshold: 2, saltNonce: 7n });
    expect(again).to.include({ address: safe.address, created: false, transactionHash: null });
  });

  it("refuses invalid owner sets and thresholds with INVALID_SAFE_CONFIG before sending anything", async () => {
    const [deployer] = await ethers.getSigners();
    const nonce = await ethers.provider.getTransactionCount(deployer.address);
    const cases: [string[], number][] = [
      [DEFAULT_OFFICERS, 0],
      [DEFAULT_OFFICERS, 4],
      [DEFAULT_OFFICERS, 1.5],
      [[], 1],
      [[DEFAULT_OFFICERS[0], DEFAULT_OFFICERS[0].toLowerCase()], 1],
      [[DEFAULT_OFFICERS[0], ZeroAddress], 1],
      [[DEFAULT_OFFICERS[0], "0x0000000000000000000000000000000000000001"], 1],
      [["not-an-address"], 1],
    ];
    for (const [owners, threshold] of cases) {
      let error: unknown;
      await deploySafe({ signer: deployer, contracts, owners, threshold }).catch((e: unknown) => (error = e));
      expect(error, `${owners.join(",")} / ${threshold}`).to.be.instanceOf(BreakGlassError).and.to.have.property("code", "INVALID_SAFE_CONFIG");
    }
    expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce);
  });

  describe("breakGlassConfigFromEnv", () => {
    it("defaults to Hardhat accounts #6-#8 and threshold 2 on local chains", () => {
      for (const chainId of [31337n, 260n, 270n]) {
        expect(breakGlassConfigFromEnv({}, chainId)).to.deep.equal({ owners: DEFAULT_OFFICERS, threshold: 2 });
      }
    });

    it("reads MEDREC_BREAK_GLASS_OWNERS and MEDREC_BREAK_GLASS_THRESHOLD, and MEDREC_BREAK_GLASS as an existing authority", () => {
      const owners = DEFAULT_OFFICERS.map((owner) => owner.toLowerCase());
      expect(
        breakGlassConfigFromEnv({ MEDREC_BREAK_GLASS_OWNERS: ` ${owners[0]}, ${owners[1]} `, MEDREC_BREAK_GLASS_THRESHOLD: "1" }, 324n),
      ).to.deep.equal({ owners: DEFAULT_OFFICERS.slice(0, 2), threshold: 1 });
      expect(breakGlassConfigFromEnv({ MEDREC_BREAK_GLASS: owners[2] }, 324n)).to.deep.equal({
        authority: DEFAULT_OFFICERS[2],
        owners: [],
        threshold: 0,
      });
      expect(breakGlassConfigFromEnv({ MEDREC_BREAK_GLASS: ZeroAddress }, 31337n).authority).to.equal(undefined);
    });

    it("refuses the public test keys as defaults on other chains, and malformed values", () => {
      expect(() => breakGlassConfigFromEnv({}, 324n)).to.throw(/MEDREC_BREAK_GLASS_OWNERS/);
      expect(() => breakGlassConfigFromEnv({ MEDREC_BREAK_GLASS_THRESHOLD: "two" }, 31337n)).to.throw(/positive integer/);
      expect(() => breakGlassConfigFromEnv({ MEDREC_BREAK_GLASS_THRESHOLD: "0" }, 31337n)).to.throw(/positive integer/);
      expect(() => breakGlassConfigFromEnv({ MEDREC_BREAK_GLASS_OWNERS: "0x1234" }, 31337n)).to.throw();
    });
  });

  it("zkSync chains use Safe's own v1.4.1 deployments from @safe-global/safe-deployments", () => {
    for (const chainId of [324n, 300n]) {
      const registry = safeContractsFromRegistry(chainId);
      expect(registry.source).to.equal("safe-deployments");
      expect(registry.contracts.SafeL2.address).to.equal("0x610fcA2e0279Fa1F8C00c8c2F71dF522AD469380");
      expect(registry.contracts.SafeProxyFactory.address).to.equal("0xc329D02fd8CB2fc13aa919005aF46320794a8629");
      const canonical = SAFE_CONTRACTS.SafeL2.lookup({ version: SAFE_VERSION })!.deployments.canonical!.address;
      expect(registry.contracts.SafeL2.address).to.not.equal(canonical);
    }
    expect(() => safeContractsFromRegistry(31337n)).to.throw(/lists no SafeL2 1.4.1 on chain 31337/);
  });

  it("deployBreakGlass + deployMedrec (as deploy.ts wires them): the officers' Safe holds BREAK_GLASS_ROLE and is recorded", async () => {
    const [deployer] = await ethers.getSigners();
    const safe = await deployBreakGlass(deployer, { kind: "evm", env: { MEDREC_BREAK_GLASS_THRESHOLD: "2" } });
    expect(safe?.breakGlass).to.include({ threshold: 2, saltNonce: BREAK_GLASS_SALT_NONCE.toString() });
    expect(safe!.breakGlass!.owners).to.deep.equal(DEFAULT_OFFICERS);
    const deployment = await deployMedrec(evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer), deployer, {
      breakGlass: safe!.breakGlass!.address,
    });
    const consents = ConsentManager__factory.connect(deployment.contracts.ConsentManager.address, ethers.provider);
    expect(await consents.hasRole(await consents.BREAK_GLASS_ROLE(), safe!.breakGlass!.address)).to.equal(true);
    expect(await consents.hasRole(await consents.BREAK_GLASS_ROLE(), deployer.address)).to.equal(false);

    const root = await mkdtemp(path.join(os.tmpdir(), "medrec-deploy-safe-"));
    try {
      await writeDeployment("testnet", { ...deployment, safe: safe! }, root);
      const read = await readDeployment("testnet", root);
      expect(read.safe?.breakGlass?.address).to.equal(safe!.breakGlass!.address);
      expect(read.safe?.contracts.SafeL2.address).to.equal(safe!.contracts.SafeL2.address);
      expect(read.roles.breakGlass).to.equal(safe!.breakGlass!.address);
    } finally {
      await rm(root, { recursive: true, force: true });
    }

    const [, , , , , , , , , other] = await ethers.getSigners();
    const existing = await deployBreakGlass(deployer, { kind: "evm", env: { MEDREC_BREAK_GLASS: other.address } });
    expect(existing?.breakGlass).to.equal(null);
    expect(existing?.source).to.equal("npm-artifacts");
  });
});
