import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { Interface, hexlify, randomBytes } from "ethers";
import { deployWalletsFixture } from "../test/helpers/wallet-fixture";
import { randomPointer, RECORD_KIND } from "../test/helpers/fixture";
import { ALL_RECORDS } from "../sdk/consent/typed-data";
import { PatientAccountBase__factory } from "../typechain-types";
import { approveRecovery, executeRecovery, proposeRecovery, sendSponsored, type AaTransactionResult } from "../sdk/wallet";
import type { Measurement } from "./core-gas";

const account = new Interface(PatientAccountBase__factory.abi);

/** EVM gas of one AA transaction as the bootloader driver measures it (all its steps, one base cost). */
function aa(operation: string, result: AaTransactionResult): Measurement {
  return { operation, gas: result.gasUsed, slotsWritten: NaN, newSlots: NaN };
}

/**
 * Gas of the AA flows on the offline driver (EVM test builds of the accounts, see era-test-node/): account
 * deployment (sponsored onboarding), one sponsored call, a batched onboarding, a recovery, and the paymaster's
 * validation step.
 */
export async function measureWalletGas(): Promise<Measurement[]> {
  const f = await deployWalletsFixture();
  const results: Measurement[] = [];
  const owner = f.newOwner();
  let onboarding: AaTransactionResult | undefined;
  const transport = f.context.transport;
  const submit = transport.submit.bind(transport);
  transport.submit = async (tx) => (onboarding = await submit(tx));
  const wallet = await f.onboard(owner);
  transport.submit = submit;
  results.push(aa("AccountFactory.createAccount (sponsored onboarding: deploy + register)", onboarding!));

  const records = await f.records.getAddress();
  const consents = await f.consents.getAddress();
  let pointer = randomPointer();
  const call = await sendSponsored(f.context, wallet, [
    { target: records, data: f.records.interface.encodeFunctionData("mint", [wallet.address, pointer.cid, pointer.contentHash, RECORD_KIND]) },
  ]);
  results.push(aa("PatientAccount sponsored call (RecordToken.mint)", call));
  results.push({ operation: "PatientAccount.validateTransaction", gas: call.stepGas!.validateTransaction, slotsWritten: NaN, newSlots: NaN });
  results.push({
    operation: "SponsorPaymaster.validateAndPayForPaymasterTransaction",
    gas: call.stepGas!.validateAndPayForPaymasterTransaction,
    slotsWritten: NaN,
    newSlots: NaN,
  });
  results.push({ operation: "SponsorPaymaster.postTransaction", gas: call.stepGas!.postTransaction, slotsWritten: NaN, newSlots: NaN });

  pointer = randomPointer();
  const guardians = f.guardians.map((g) => g.address);
  const consent = await f.consentFor({ patient: wallet.address, tokenId: ALL_RECORDS, grantee: f.signers.provider.address });
  const batch = await sendSponsored(f.context, wallet, [
    { target: wallet.address, data: account.encodeFunctionData("proposeGuardians", [guardians, 2]) },
    { target: consents, data: f.consents.interface.encodeFunctionData("grantDirect", [consent]) },
    { target: records, data: f.records.interface.encodeFunctionData("mint", [wallet.address, pointer.cid, pointer.contentHash, RECORD_KIND]) },
  ]);
  results.push(aa("PatientAccount.executeBatch (onboarding: guardians + consent + mint)", batch));

  const newOwner = hexlify(randomBytes(20));
  const [first, second] = f.guardians;
  const proposed = await proposeRecovery(first, wallet.address, ethers.getAddress(newOwner));
  const approved = await approveRecovery(second, wallet.address, ethers.getAddress(newOwner));
  await time.increase(48 * 3600 + 1);
  const executed = await executeRecovery(f.signers.relayer, wallet.address, ethers.getAddress(newOwner));
  const recovery = proposed!.gasUsed + approved!.gasUsed + executed!.gasUsed;
  results.push({ operation: "PatientAccount recovery (propose + approve + execute)", gas: recovery, slotsWritten: NaN, newSlots: NaN });
  return results;
}
