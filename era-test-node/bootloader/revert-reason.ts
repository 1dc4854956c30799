import { Interface, type InterfaceAbi } from "ethers";
import {
  ConsentManager__factory,
  ContractDeployerDouble__factory,
  NonceHolderDouble__factory,
  PatientRegistry__factory,
  RecordToken__factory,
  SponsorPaymaster__factory,
  TestAccountFactory__factory,
  TestPatientAccount__factory,
} from "../../typechain-types";

const errorFragments = [
    TestPatientAccount__factory.abi,
    SponsorPaymaster__factory.abi,
    TestAccountFactory__factory.abi,
    NonceHolderDouble__factory.abi,
    ContractDeployerDouble__factory.abi,
    PatientRegistry__factory.abi,
    ConsentManager__factory.abi,
    RecordToken__factory.abi,
].flatMap((abi) => abi.filter((fragment) => fragment.type === "error"));

/** One interface with every custom error, each signature once (several contracts share errors). */
const KNOWN = new Interface(
  [...new Map(errorFragments.map((f) => [`${f.name}(${f.inputs.map((i) => i.type).join(",")})`, f])).values()] as InterfaceAbi,
);

/** Decodes revert data of the medrec and system contracts into `Name(arg, …)`; raw hex when unknown. */
export function decodeRevert(data: string): string {
  if (!data || data === "0x") return "reverted without reason";
  try {
    const error = KNOWN.parseError(data);
    if (error) return `${error.name}(${error.args.map((arg) => String(arg)).join(", ")})`;
  } catch {
    // fall through to the raw data
  }
  return data;
}
