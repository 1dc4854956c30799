import { Interface, getAddress } from "ethers";
// The factories one by one: the index of the contract types loads every factory (start-up time).
import { ConsentManager__factory } from "../chain/contracts/factories/contracts/ConsentManager__factory";
import { InvalidArgumentError } from "../errors";
import { BreakGlassError } from "./errors";
import { emergencyDuration, emergencyReasonHash } from "./reason";
import { connectSafe, type ConnectSafeOptions, type SafeConnection } from "./connect";
import { collectedApprovals, type SafeTransaction } from "./approvals";
import { decodeConsentManagerRevert } from "./revert";
import { safeInterface } from "./safe-abi";

const consentInterface = new Interface(ConsentManager__factory.abi);

/** A receipt log, as any client returns it. */
interface RawLog {
  address: string;
  topics: readonly string[];
  data: string;
}

/** Options of {@link proposeEmergencyAccess}. */
export interface ProposeEmergencyAccessOptions {
  /** The break-glass Safe: a connection from {@link connectSafe}, or the options to connect. */
  safe: SafeConnection | ConnectSafeOptions;
  /** The ConsentManager address. */
  consentManager: string;
  /** The record token to open. */
  tokenId: bigint | number;
  /** The active provider who gets READ access. */
  grantee: string;
  /** Why; hashed with {@link emergencyReasonHash}. The text never leaves this process and is never logged. */
  reason: string;
  /** How long, in seconds: 1..86400. */
  durationSeconds: number | bigint;
}

/** An emergency access, as a Safe transaction the owners sign. */
export interface EmergencyAccessProposal {
  /** The Safe transaction: to = ConsentManager, value 0, operation Call, data = `emergencyAccess(…)`, current Safe nonce. */
  safeTransaction: SafeTransaction;
  /** Its EIP-712 hash, which every owner signs. */
  safeTxHash: string;
  /** The keccak256 of the reason, as it will appear in `EmergencyAccessGranted`. */
  reasonHash: string;
  /** The Safe that will call ConsentManager. */
  safeAddress: string;
}

/** Options of {@link executeEmergencyAccess}. */
export interface ExecuteEmergencyAccessOptions {
  /** Gas limit of the `execTransaction` transaction; estimated when unset. */
  gasLimit?: bigint;
  /** How often to poll for the receipt, in ms. Defaults to 250. */
  pollingIntervalMs?: number;
}

/** What an executed emergency access did, read back from the receipt. */
export interface EmergencyAccessExecution {
  /** The Ethereum transaction that called `execTransaction`. */
  transactionHash: string;
  blockNumber: number;
  /** Gas of the whole `execTransaction` transaction (signature checks + the ConsentManager call). */
  gasUsed: bigint;
  safeTxHash: string;
  /** The owners whose approvals were counted. */
  approvers: string[];
  tokenId: bigint;
  patient: string;
  grantee: string;
  /** The Safe (ConsentManager's `approvedBy`). */
  approvedBy: string;
  reasonHash: string;
  /** When the emergency access ends (unix seconds). */
  expiresAt: bigint;
}

const isConnection = (safe: SafeConnection | ConnectSafeOptions): safe is SafeConnection =>
  typeof (safe as SafeConnection).createTransaction === "function";

const checkedAddress = (value: string, what: string): string => {
  try {
    return getAddress(value);
  } catch (cause) {
    throw new InvalidArgumentError(`invalid ${what} address ${String(value)}`, { cause });
  }
};

/**
 * Builds the Safe transaction that opens emergency READ access on `tokenId` for `grantee`: a call from the Safe to
 * `ConsentManager.emergencyAccess(tokenId, grantee, keccak256(reason), durationSeconds)`. Reason, duration and
 * addresses are checked before anything touches the chain.
 * @param options See {@link ProposeEmergencyAccessOptions}.
 * @returns The unsigned Safe transaction, its hash (what owners sign) and the reason hash.
 * @throws {@link BreakGlassError} `MISSING_REASON` or `INVALID_DURATION`; `InvalidArgumentError` for bad addresses
 * or token id.
 */
export async function proposeEmergencyAccess(options: ProposeEmergencyAccessOptions): Promise<EmergencyAccessProposal> {
  const reasonHash = emergencyReasonHash(options.reason);
  const duration = emergencyDuration(options.durationSeconds);
  const consentManager = checkedAddress(options.consentManager, "ConsentManager");
  const grantee = checkedAddress(options.grantee, "grantee");
  const tokenId = (() => {
    try {
      return BigInt(options.tokenId);
    } catch {
      return -1n;
    }
  })();
  if (tokenId < 0n || tokenId >= 1n << 256n) throw new InvalidArgumentError(`tokenId must be a uint256, got ${String(options.tokenId)}`);

  const safe = isConnection(options.safe) ? options.safe : await connectSafe(options.safe);
  const data = consentInterface.encodeFunctionData("emergencyAccess", [tokenId, grantee, reasonHash, duration]);
  const safeTransaction = await safe.createTransaction({ transactions: [{ to: consentManager, value: "0", data }] });
  return {
    safeTransaction,
    safeTxHash: await safe.getTransactionHash(safeTransaction),
    reasonHash,
    safeAddress: getAddress(await safe.getAddress()),
  };
}

/**
 * Adds the signature of the connection's owner to `safeTransaction`: an EIP-712 (`eth_signTypedData_v4`) signature
 * over the Safe transaction, through protocol-kit's `signTransaction`. Owners sign one after another, each on the
 * transaction the previous one returned (or each on the proposal, and the signatures are merged by the executor).
 * @param owner A connection from {@link connectSafe} with the owner's key.
 * @param safeTransaction The proposal's Safe transaction (with any signatures collected so far).
 * @returns A copy of the transaction with the owner's signature added.
 * @throws {@link BreakGlassError} `NOT_A_SAFE_OWNER` when the connection's signer is not an owner of that Safe;
 * `InvalidArgumentError` when the connection has no signer.
 */
export async function signEmergencyAccess(owner: SafeConnection, safeTransaction: SafeTransaction): Promise<SafeTransaction> {
  const signer = await owner.getSafeProvider().getSignerAddress();
  if (!signer) throw new InvalidArgumentError("signing needs a connection with the owner's key");
  if (!(await owner.isOwner(signer))) {
    throw new BreakGlassError("NOT_A_SAFE_OWNER", `${signer} is not an owner of the Safe ${await owner.getAddress()}`);
  }
  return owner.signTransaction(safeTransaction, "eth_signTypedData_v4");
}

/** The `emergencyAccess` call a Safe transaction carries, or an `InvalidArgumentError`. */
function emergencyCallOf(safeTransaction: SafeTransaction) {
  const { to, value, data, operation } = safeTransaction.data;
  const call = (() => {
    try {
      return consentInterface.parseTransaction({ data });
    } catch {
      return null;
    }
  })();
  if (!call || call.name !== "emergencyAccess" || BigInt(value) !== 0n || Number(operation) !== 0) {
    throw new InvalidArgumentError("the Safe transaction is not a plain ConsentManager.emergencyAccess call");
  }
  return {
    consentManager: getAddress(to),
    data,
    tokenId: call.args[0] as bigint,
    grantee: getAddress(call.args[1] as string),
    reasonHash: call.args[2] as string,
  };
}

/**
 * Executes a signed emergency access through the Safe (protocol-kit `executeTransaction`) after checking, without
 * sending anything, that the nonce is current, that the collected owner approvals reach the Safe's threshold, and
 * that ConsentManager would accept the call from the Safe. Then waits for the receipt and checks that the Safe
 * emitted `ExecutionSuccess` for this transaction and ConsentManager `EmergencyAccessGranted` with the Safe as
 * `approvedBy`.
 * @param connection A connection from {@link connectSafe} whose key pays for the transaction (any funded account;
 * it does not count as an approval unless it signed).
 * @param safeTransaction The transaction from {@link proposeEmergencyAccess} with the owners' signatures.
 * @param options Gas limit and receipt polling.
 * @returns The transaction hash, `gasUsed` of the whole `execTransaction` and the granted access (expiry included).
 * @throws {@link BreakGlassError} `STALE_NONCE`, `THRESHOLD_NOT_MET`, `NOT_A_SAFE_OWNER`, `INVALID_SIGNATURE` (all
 * before sending), or `EXECUTION_FAILED` (the decoded ConsentManager error when it would refuse the call, a
 * reverted transaction, or missing events).
 */
export async function executeEmergencyAccess(
  connection: SafeConnection,
  safeTransaction: SafeTransaction,
  options: ExecuteEmergencyAccessOptions = {},
): Promise<EmergencyAccessExecution> {
  const call = emergencyCallOf(safeTransaction);
  if (!(await connection.getSafeProvider().getSignerAddress())) {
    throw new InvalidArgumentError("executing needs a connection with a funded key");
  }
  const safeAddress = getAddress(await connection.getAddress());
  const nonce = await connection.getNonce();
  if (Number(safeTransaction.data.nonce) !== nonce) {
    throw new BreakGlassError(
      "STALE_NONCE",
      `the Safe transaction has nonce ${safeTransaction.data.nonce} but the Safe is at ${nonce} (already executed or replaced)`,
    );
  }
  const approvals = await collectedApprovals(connection, safeTransaction);
  if (approvals.approvers.length < approvals.threshold) {
    throw new BreakGlassError(
      "THRESHOLD_NOT_MET",
      `${approvals.approvers.length} of the ${approvals.threshold} owner approvals the Safe needs; nothing was sent`,
    );
  }
  await expectConsentManagerAccepts(connection, safeAddress, call.consentManager, call.data);

  let hash: string;
  try {
    const result = await connection.executeTransaction(safeTransaction, options.gasLimit ? { gasLimit: options.gasLimit } : undefined);
    hash = result.hash;
  } catch (cause) {
    const reason = decodeConsentManagerRevert(cause);
    throw new BreakGlassError("EXECUTION_FAILED", `execTransaction was refused${reason ? `: ${reason}` : ""}`, { cause });
  }
  const receipt = await connection
    .getSafeProvider()
    .getExternalProvider()
    .waitForTransactionReceipt({ hash: hash as `0x${string}`, pollingInterval: options.pollingIntervalMs ?? 250 });
  if (receipt.status !== "success") throw new BreakGlassError("EXECUTION_FAILED", `execTransaction ${hash} reverted`);
  const logs: readonly RawLog[] = receipt.logs;

  const outcome = safeOutcome(logs, safeAddress, approvals.safeTxHash);
  if (outcome !== "ExecutionSuccess") {
    throw new BreakGlassError("EXECUTION_FAILED", `the Safe reported ${outcome ?? "no outcome"} for ${approvals.safeTxHash}`);
  }
  const granted = logs
    .filter((log) => getAddress(log.address) === call.consentManager)
    .map((log) => consentInterface.parseLog(log))
    .find((event) => event?.name === "EmergencyAccessGranted");
  if (
    !granted ||
    getAddress(granted.args.approvedBy as string) !== safeAddress ||
    (granted.args.tokenId as bigint) !== call.tokenId ||
    getAddress(granted.args.grantee as string) !== call.grantee ||
    granted.args.reasonHash !== call.reasonHash
  ) {
    throw new BreakGlassError("EXECUTION_FAILED", `ConsentManager emitted no matching EmergencyAccessGranted in ${hash}`);
  }
  return {
    transactionHash: hash,
    blockNumber: Number(receipt.blockNumber),
    gasUsed: receipt.gasUsed,
    safeTxHash: approvals.safeTxHash,
    approvers: approvals.approvers,
    tokenId: call.tokenId,
    patient: getAddress(granted.args.patient as string),
    grantee: call.grantee,
    approvedBy: safeAddress,
    reasonHash: call.reasonHash,
    expiresAt: granted.args.expiresAt as bigint,
  };
}

/** Simulates the ConsentManager call from the Safe; throws `EXECUTION_FAILED` with the decoded error if it reverts. */
async function expectConsentManagerAccepts(connection: SafeConnection, safe: string, consentManager: string, data: string) {
  try {
    // eth_call from the Safe's address; no retries: a revert is an answer, not a transient failure.
    await connection
      .getSafeProvider()
      .getExternalProvider()
      .request({ method: "eth_call", params: [{ from: safe as `0x${string}`, to: consentManager as `0x${string}`, data: data as `0x${string}` }, "latest"] }, { retryCount: 0 });
  } catch (cause) {
    const reason = decodeConsentManagerRevert(cause) ?? "reverted";
    throw new BreakGlassError("EXECUTION_FAILED", `ConsentManager refuses emergencyAccess from the Safe ${safe}: ${reason}`, { cause });
  }
}

/** `ExecutionSuccess` or `ExecutionFailure` of the Safe for `safeTxHash` in `logs`, if any. */
function safeOutcome(logs: readonly RawLog[], safe: string, safeTxHash: string): "ExecutionSuccess" | "ExecutionFailure" | undefined {
  for (const log of logs) {
    if (getAddress(log.address) !== safe) continue;
    const event = safeInterface.parseLog(log);
    if ((event?.name === "ExecutionSuccess" || event?.name === "ExecutionFailure") && event.args.txHash === safeTxHash) {
      return event.name;
    }
  }
  return undefined;
}
