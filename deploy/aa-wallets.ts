import { Interface, getAddress, hexlify, parseEther, type Signer } from "ethers";
import { utils } from "zksync-ethers";
import {
  ConsentManager__factory,
  ContractDeployerDouble__factory,
  PatientAccountBase__factory,
  PatientRegistry__factory,
  RecordToken__factory,
  SponsorPaymaster__factory,
} from "@medrec/sdk/chain/contracts";
import type { ContractDeployer, DeployedContract } from "./contract-deployer";
import type { CoreContractName, MedrecDeployment } from "./medrec";

/** Options of {@link deployWallets}. */
export interface WalletDeploymentOptions {
  /** Signs onboarding vouchers for the paymaster. Defaults to the deployer. */
  voucherSigner?: string;
  /** Gas each sender may use per day. Defaults to 30 million. */
  dailyGasBudget?: bigint;
  /**
   * Fees (wei) all sponsorships together may cost per UTC day. Defaults to 1 ETH on local chains and 0.05 ETH on
   * zkSync networks (raise it with `setDailySpendCap` once the paymaster is funded).
   */
  dailySpendCap?: bigint;
  /** ETH sent to the paymaster after deployment. Defaults to 10 ETH on local chains, nothing on zkSync networks. */
  funding?: bigint;
  /**
   * EVM chains only: installs the system-contract doubles (`era-test-node/`) on the chain before deploying.
   * Required there, since the factory calls the ContractDeployer at its zkSync address.
   */
  installSystemDoubles?: () => Promise<void>;
}

/** The deployed AA contracts. */
export interface WalletDeployment {
  AccountFactory: DeployedContract & { contractName: string; accountBytecodeHash: string };
  SponsorPaymaster: DeployedContract;
  voucherSigner: string;
  dailyGasBudget: string;
  /** Wei per UTC day, as a decimal string. */
  dailySpendCap: string;
}

/** (contract, function) pairs of the core that the paymaster sponsors for patient accounts. */
const SPONSORED_CALLS: Record<CoreContractName, string[]> = {
  PatientRegistry: ["register", "rotateEncryptionKey", "deregister"],
  ProviderRegistry: [],
  ConsentManager: ["grantDirect", "revoke", "invalidateNonce", "endEmergencyAccess", "setEmergencyDelegate"],
  RecordToken: ["mint", "mintBatch", "update", "burn"],
};

/**
 * Account functions an account may call on itself at the paymaster's expense. Not `registerAsPatient`: it calls
 * any registry address it is given, which would let an account spend sponsored gas on arbitrary contracts
 * (patients register through the allow-listed `PatientRegistry.register`).
 */
const SPONSORED_SELF_CALLS = ["proposeGuardians", "applyGuardianChange", "cancelGuardianChange", "cancelRecovery"];

/**
 * Deploys the account factory and the sponsor paymaster next to a core deployment, allow-lists the patient
 * functions of the core (never the factory: account creation is sponsored only through onboarding vouchers), and
 * funds the paymaster. On zkSync networks the factory is `AccountFactory` with the
 * zksolc bytecode hash of `PatientAccount` (published as a factory dependency); on EVM chains it is the test
 * build `TestAccountFactory`, with `TestPatientAccount` published to the ContractDeployer double.
 */
export async function deployWallets(
  deployer: ContractDeployer,
  signer: Signer,
  core: MedrecDeployment,
  options: WalletDeploymentOptions = {},
): Promise<WalletDeployment> {
  const from = await signer.getAddress();
  const registry = core.contracts.PatientRegistry.address;
  let factoryName: string;
  let accountBytecodeHash: string;
  let factoryDeps: string[] = [];
  if (deployer.kind === "zksync") {
    factoryName = "AccountFactory";
    accountBytecodeHash = hexlify(utils.hashBytecode(await deployer.bytecodeOf("PatientAccount")));
    factoryDeps = ["PatientAccount"];
  } else {
    if (!options.installSystemDoubles) throw new Error("EVM chains need the era-test-node system doubles installed");
    await options.installSystemDoubles();
    factoryName = "TestAccountFactory";
    const contractDeployer = ContractDeployerDouble__factory.connect("0x0000000000000000000000000000000000008006", signer);
    const code = await deployer.bytecodeOf("TestPatientAccount");
    accountBytecodeHash = await contractDeployer.publishCode.staticCall(code);
    await (await contractDeployer.publishCode(code)).wait();
  }

  const factory = await deployer.deploy(factoryName, [registry, accountBytecodeHash], { factoryDeps });
  const voucherSigner = getAddress(options.voucherSigner ?? from);
  const dailyGasBudget = options.dailyGasBudget ?? 30_000_000n;
  const dailySpendCap = options.dailySpendCap ?? (deployer.kind === "evm" ? parseEther("1") : parseEther("0.05"));
  const paymasterDeployed = await deployer.deploy("SponsorPaymaster", [from, factory.address, voucherSigner, dailyGasBudget, dailySpendCap]);
  const paymaster = SponsorPaymaster__factory.connect(paymasterDeployed.address, signer);

  const interfaces: Record<CoreContractName, Interface | undefined> = {
    PatientRegistry: new Interface(PatientRegistry__factory.abi),
    ProviderRegistry: undefined,
    ConsentManager: new Interface(ConsentManager__factory.abi),
    RecordToken: new Interface(RecordToken__factory.abi),
  };
  for (const [name, functions] of Object.entries(SPONSORED_CALLS) as [CoreContractName, string[]][]) {
    for (const fn of functions) {
      const selector = interfaces[name]!.getFunction(fn)!.selector;
      await (await paymaster.setAllowedCall(core.contracts[name].address, selector, true)).wait();
    }
  }
  const account = new Interface(PatientAccountBase__factory.abi);
  for (const fn of SPONSORED_SELF_CALLS) {
    await (await paymaster.setAllowedSelfCall(account.getFunction(fn)!.selector, true)).wait();
  }
  const funding = options.funding ?? (deployer.kind === "evm" ? parseEther("10") : 0n);
  if (funding > 0n) await (await signer.sendTransaction({ to: paymasterDeployed.address, value: funding })).wait();

  return {
    AccountFactory: { ...factory, contractName: factoryName, accountBytecodeHash },
    SponsorPaymaster: paymasterDeployed,
    voucherSigner,
    dailyGasBudget: dailyGasBudget.toString(),
    dailySpendCap: dailySpendCap.toString(),
  };
}
