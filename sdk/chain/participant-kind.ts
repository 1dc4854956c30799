/** Participant kinds of `ProviderRegistry.Kind`, in enum order. */
export const ParticipantKind = {
  None: 0,
  Provider: 1,
  Lab: 2,
  Insurer: 3,
  Researcher: 4,
  Resolver: 5,
} as const;
export type ParticipantKind = (typeof ParticipantKind)[keyof typeof ParticipantKind];
