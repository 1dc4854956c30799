import { time } from "@nomicfoundation/hardhat-network-helpers";
import { Interface, Wallet } from "ethers";
import { deployWalletsFixture } from "../test/helpers/wallet-fixture";
import { randomPointer, randomSalt, RECORD_KIND, SAMPLE_METADATA_ID } from "../test/helpers/fixture";
import { ALL_RECORDS } from "../sdk/vocabulary";
import { PatientAccountBase__factory } from "../sdk/chain/contracts";
import { approveRecovery, cancelRecovery, executeRecovery, proposeRecovery, sendSponsored, type AaTransactionResult } from "../sdk/wallet";
import type { Measurement } from "./core-gas";

const account = new Interface(PatientAccountBase__factory.abi);

/** A figure without storage-slot counts (the AA rows). */
const row = (operation: string, gas: bigint): Measurement => ({ operation, gas, slotsWritten: NaN, newSlots: NaN });

/** The rows of one AA transaction as the bootloader driver measures it: the whole transaction, then the named steps. */
function aa(name: string, operation: string, result: AaTransactionResult, steps: string[] = []): Measurement[] {
  return [row(`${name}: ${operation}`, result.gasUsed), ...steps.map((step) => row(`  ${name}: ${step}`, result.stepGas![step]))];
}

/**
 * Gas of the AA flows on the offline driver (EVM test builds of the accounts, see era-test-node/): account
 * deployment (sponsored onboarding with a one-time voucher) and its paymaster steps, one sponsored call with its
 * bootloader steps and the gas limit it signs (what the paymaster reserves on the sender's budget: the SDK's
 * estimate + 20 %), a batched onboarding, and each step of a recovery.
 */
export async function measureWalletGas(): Promise<Measurement[]> {
  const f = await deployWalletsFixture();
  const results: Measurement[] = [];
  const owner = f.newOwner();
  const transport = f.context.transport;
  const submit = transport.submit.bind(transport);
  let last: { result: AaTransactionResult; gasLimit: bigint } | undefined;
  transport.submit = async (tx) => {
    const result = await submit(tx);
    last = { result, gasLimit: tx.gasLimit };
    return result;
  };
  const wallet = await f.onboard(owner);
  results.push(
    ...aa("onboarding", "AccountFactory.createAccount (deploy + register), sponsored", last!.result, [
      "validateAndPayForPaymasterTransaction",
      "postTransaction",
    ]),
  );

  const records = await f.records.getAddress();
  const consents = await f.consents.getAddress();
  let pointer = randomPointer();
  const call = await sendSponsored(f.context, wallet, [
    { target: records, data: f.records.interface.encodeFunctionData("mint", [wallet.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND]) },
  ]);
  results.push(
    ...aa("sponsored call", "RecordToken.mint", call, ["validateTransaction", "validateAndPayForPaymasterTransaction", "executeTransaction", "postTransaction"]),
    row("  sponsored call: gas limit signed (reserved on the budget)", last!.gasLimit),
  );

  pointer = randomPointer();
  const guardians = f.guardians.map((g) => g.address);
  const consent = await f.consentFor({ patient: wallet.address, tokenId: ALL_RECORDS, grantee: f.signers.provider.address, metadataId: SAMPLE_METADATA_ID });
  const batch = await sendSponsored(f.context, wallet, [
    { target: wallet.address, data: account.encodeFunctionData("proposeGuardians", [guardians, 2]) },
    { target: consents, data: f.consents.interface.encodeFunctionData("grantDirect", [consent]) },
    { target: records, data: f.records.interface.encodeFunctionData("mint", [wallet.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND]) },
  ]);
  results.push(...aa("batch", "PatientAccount.executeBatch (guardians + consent + mint)", batch));

  const [first, second] = f.guardians;
  const cancelled = Wallet.createRandom().address;
  await proposeRecovery(first, wallet.address, cancelled);
  await approveRecovery(second, wallet.address, cancelled);
  const cancel = await cancelRecovery(f.context, wallet);
  results.push(...aa("cancel", "PatientAccount.cancelRecovery (sponsored self-call)", cancel, ["executeTransaction"]));

  const typo = Wallet.createRandom().address;
  const newOwner = Wallet.createRandom().address;
  const proposed = (await proposeRecovery(first, wallet.address, typo))!.gasUsed;
  const moved = (await proposeRecovery(first, wallet.address, newOwner))!.gasUsed;
  const approved = (await approveRecovery(second, wallet.address, newOwner))!.gasUsed;
  await time.increase(48 * 3600 + 1);
  const executed = (await executeRecovery(f.signers.relayer, wallet.address, newOwner))!.gasUsed;
  results.push(
    row("PatientAccount.proposeRecovery (first vote)", proposed),
    row("PatientAccount.proposeRecovery (moving the guardian's vote)", moved),
    row("PatientAccount.approveRecovery (reaches the threshold: scheduled)", approved),
    row("PatientAccount.executeRecovery", executed),
    row("PatientAccount recovery (propose + approve + execute)", proposed + approved + executed),
  );
  return results;
}
