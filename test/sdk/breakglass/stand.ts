import hre from "hardhat";
import { concat, hexlify, randomBytes, sha256, encodeBytes32String, type JsonRpcProvider, type Wallet } from "ethers";
import { localChainSigners, startLocalChain, type LocalChain } from "../../../era-test-node/local-chain";
import { evmContractDeployer } from "../../../deploy/contract-deployer";
import { deployMedrec, type MedrecDeployment } from "../../../deploy/medrec";
import { deploySafe, deploySafeContracts, safeContractNetworks, type SafeContractsDeployment } from "../../../deploy/safe";
import {
  ConsentManager__factory,
  PatientRegistry__factory,
  ProviderRegistry__factory,
  RecordToken__factory,
  type ConsentManager,
} from "../../../sdk/chain/contracts";
import { ParticipantKind } from "../../../sdk/chain/participant-kind";
import { connectSafe, type SafeConnection, type SafeContractNetworks } from "../../../sdk/breakglass";

/** Record kind of the test records. */
const KIND = encodeBytes32String("Observation");

/**
 * A real Hardhat node over JSON-RPC (protocol-kit needs a URL) with the core, the Safe v1.4.1 contracts and whatever
 * the test file adds. Accounts: #0 deployer/registrar/admin, #1 provider, #2 lab, #3 patient, #4 patient2,
 * #5 executor (pays for execTransaction, owns nothing), #6-#8 hospital officers, #9 outsider, #10-#12 guardians.
 */
export interface Stand {
  chain: LocalChain;
  rpc: JsonRpcProvider;
  signers: Wallet[];
  core: MedrecDeployment;
  consents: ConsentManager;
  safeContracts: SafeContractsDeployment;
  contractNetworks: SafeContractNetworks;
  /** Connects to `safeAddress` as `wallet` (its key signs). */
  connect(wallet: Wallet, safeAddress: string): Promise<SafeConnection>;
  /** Registers `patient` (an EOA) and mints it one record; returns the token id. */
  patientWithRecord(patient: Wallet): Promise<bigint>;
  /** Advances the chain's clock by `seconds` and mines a block. */
  advance(seconds: number): Promise<void>;
  /** Stops the chain and closes the provider. */
  stop(): Promise<void>;
}

/**
 * Starts a Hardhat node (even when ZKSYNC_RPC_URL is set: these are EVM contracts) and deploys the core with
 * deploy/medrec.ts, the Safe contracts with deploy/safe.ts and, when `officers` is set, the officers' Safe holding
 * BREAK_GLASS_ROLE (as deploy/deploy.ts wires it). Registers the provider (#1) and the lab (#2).
 */
export async function startStand(options: { officers?: { indexes: number[]; threshold: number } } = {}) {
  const saved = process.env.ZKSYNC_RPC_URL;
  delete process.env.ZKSYNC_RPC_URL;
  let chain: LocalChain;
  try {
    chain = await startLocalChain();
  } finally {
    if (saved !== undefined) process.env.ZKSYNC_RPC_URL = saved;
  }
  try {
    const signers = localChainSigners(chain.rpcUrl, 13);
    const rpc = signers[0].provider as JsonRpcProvider;
    const [deployer, provider, lab] = signers;
    const safeContracts = await deploySafeContracts(deployer);
    const contractNetworks = safeContractNetworks(chain.chainId, safeContracts);
    const officersSafe = options.officers
      ? await deploySafe({
          signer: deployer,
          contracts: safeContracts,
          owners: options.officers.indexes.map((index) => signers[index].address),
          threshold: options.officers.threshold,
        })
      : undefined;
    const core = await deployMedrec(evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer), deployer, {
      breakGlass: officersSafe?.address,
    });
    const providers = ProviderRegistry__factory.connect(core.contracts.ProviderRegistry.address, deployer);
    await (await providers.register(provider.address, ParticipantKind.Provider, hexlify(randomBytes(32)), hexlify(randomBytes(32)))).wait();
    await (await providers.register(lab.address, ParticipantKind.Lab, hexlify(randomBytes(32)), hexlify(randomBytes(32)))).wait();

    const stand: Stand = {
      chain,
      rpc,
      signers,
      core,
      consents: ConsentManager__factory.connect(core.contracts.ConsentManager.address, rpc),
      safeContracts,
      contractNetworks,
      connect: (wallet, safeAddress) =>
        connectSafe({ provider: chain.rpcUrl, signerPrivateKey: wallet.privateKey, safeAddress, contractNetworks }),
      async patientWithRecord(patient) {
        const patients = PatientRegistry__factory.connect(core.contracts.PatientRegistry.address, patient);
        if (!(await patients.isPatient(patient.address))) await (await patients.register(hexlify(randomBytes(32)))).wait();
        const records = RecordToken__factory.connect(core.contracts.RecordToken.address, patient);
        const contentHash = sha256(randomBytes(64));
        const receipt = await (await records.mint(patient.address, hexlify(randomBytes(32)), concat(["0x01551220", contentHash]), contentHash, KIND)).wait();
        const minted = receipt!.logs.map((log) => records.interface.parseLog(log)).find((event) => event?.name === "RecordMinted");
        return minted!.args.tokenId as bigint;
      },
      async advance(seconds) {
        await rpc.send("evm_increaseTime", [seconds]);
        await rpc.send("evm_mine", []);
      },
      async stop() {
        rpc.destroy();
        await chain.stop();
      },
    };
    return { stand, officersSafe };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

/** Runs `promise` and returns what it threw (undefined if it did not). */
export async function thrown(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}
