/**
 * The consent document an on-chain grant names by its `metadataId`, looked up in the client's consent store.
 *
 * @module
 */
import { ZeroHash } from "ethers";
import type { MedrecClient } from "../client/client";

/** The purpose text and stream id of the document `metadataId` names, when the client's store has it. */
export async function documentOf(client: MedrecClient, metadataId: string | null): Promise<{ purposeText: string | null; streamId: string | null }> {
  if (client.consents === undefined || metadataId === null || metadataId === ZeroHash) return { purposeText: null, streamId: null };
  const found = await client.consents.find(metadataId);
  return found === undefined ? { purposeText: null, streamId: null } : { purposeText: found.document.purposeText, streamId: found.streamId };
}
