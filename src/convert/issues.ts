// What the converter and the compatibility check report: one entry per problem, naming the
// layer, what is wrong and how to fix it.

/** conversion: the model cannot become a spikemesh model; hardware: it can, but not map to AKD1000. */
export type IssueKind = 'conversion' | 'hardware';

export interface CompatibilityIssue {
  /** the tfjs layer (or IR layer) the issue is about */
  layer: string;
  kind: IssueKind;
  message: string;
  fix?: string;
}

/** Thrown by convert() when the model cannot be converted; lists every problem found. */
export class ConversionError extends Error {
  constructor(readonly issues: CompatibilityIssue[]) {
    super(
      `the model cannot be converted:\n${issues.map((i) => `  - ${formatCompatibilityIssue(i)}`).join('\n')}`,
    );
    this.name = 'ConversionError';
  }
}

export function formatCompatibilityIssue(i: CompatibilityIssue): string {
  return `${i.layer}: ${i.message}${i.fix ? ` (fix: ${i.fix})` : ''}`;
}
