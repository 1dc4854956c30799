/**
 * `npm run bench`: gas of every state-changing function of the core (with the storage slots each writes for
 * the first time) and of the AA flows, on the in-process Hardhat chain. Prints tables and writes the `gas`
 * and `newStorageSlots` sections of bench/results.json (other sections are kept).
 */
import { measureCoreGas, type Measurement } from "./core-gas";
import { measureWalletGas } from "./wallet-gas";
import { writeResults } from "./results-file";
import { formatTable } from "../sdk/cli/table";

const count = (value: number) => (Number.isNaN(value) ? "–" : String(value));

function table(title: string, results: Measurement[]): string {
  return (
    `${title}\n` +
    formatTable(
      [
        { header: "operation" },
        { header: "gas", align: "right" },
        { header: "slots written", align: "right" },
        { header: "new slots", align: "right" },
      ],
      results.map((r) => [r.operation, r.gas.toString(), count(r.slotsWritten), count(r.newSlots)]),
    )
  );
}

async function main(): Promise<void> {
  const core = await measureCoreGas();
  const wallets = await measureWalletGas();
  console.log(table("On-chain core (EVM gas per transaction)", core));
  console.log();
  console.log(table("AA wallets (EVM gas through the bootloader driver; EraVM gas differs)", wallets));
  await writeResults({
    gas: Object.fromEntries([...core, ...wallets].map((r) => [r.operation, Number(r.gas)])),
    newStorageSlots: Object.fromEntries(core.map((r) => [r.operation, r.newSlots])),
  });
  console.log("\nwritten to bench/results.json (gas, newStorageSlots)");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
