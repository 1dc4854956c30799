import { readFile } from "node:fs/promises";
import path from "node:path";
import type { RpcProvider } from "./impersonation";
import { SystemAddress } from "./system-addresses";

const ARTIFACTS = path.resolve(__dirname, "..", "..", "artifacts", "era-test-node", "contracts");

/** The EVM doubles of zkSync system contracts and where they are installed. */
export const SYSTEM_DOUBLES = [
  { name: "NonceHolderDouble", address: SystemAddress.NONCE_HOLDER },
  { name: "ContractDeployerDouble", address: SystemAddress.CONTRACT_DEPLOYER },
] as const;

/** The runtime bytecode of a compiled double (`npx hardhat compile` writes it). */
export async function doubleRuntimeCode(name: string): Promise<string> {
  const file = path.join(ARTIFACTS, `${name}.sol`, `${name}.json`);
  const artifact = JSON.parse(await readFile(file, "utf8")) as { deployedBytecode: string };
  return artifact.deployedBytecode;
}

/**
 * Installs the EVM doubles of the NonceHolder and the ContractDeployer at their real zkSync addresses on a
 * Hardhat (or anvil) chain with `hardhat_setCode`. Idempotent: code already in place is left with its storage.
 * @param provider A JSON-RPC provider of a local EVM chain that supports `hardhat_setCode`.
 */
export async function installSystemDoubles(provider: RpcProvider): Promise<void> {
  for (const double of SYSTEM_DOUBLES) {
    const code = await doubleRuntimeCode(double.name);
    if ((await provider.getCode(double.address)) === code) continue;
    await provider.send("hardhat_setCode", [double.address, code]);
  }
}
